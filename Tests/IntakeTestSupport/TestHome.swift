public import Foundation
public import IntakeCore
public import IntakeDaemon
import IntakeCrypto
import IntakeLedger

/// A real intake home in a temporary directory, with the test PKI's CA as trust anchor,
/// agencies registered with openssl-made certificates, and one open case.
public final class TestHome: @unchecked Sendable {
    public let pki: TestPKI
    public let layout: HomeLayout
    public let home: Home
    public static let caseRef = "RR-2026-014"
    public static let agencies = ["police", "health", "education"]

    /// `settings` edits the default intake.toml text before the home is opened. With
    /// `intakeKey`, the home decrypts with the PKI's `intake-KIND.key` (a committed key, so
    /// that committed envelopes open) instead of the key `intake init` made.
    public init(pki: TestPKI, keyKind: HomeInitializer.KeyKind = .ec, intakeKey: TestPKI.IntakeKind? = nil,
                agencies: [String] = TestHome.agencies, openCase: Bool = true, settings: (String) -> String = { $0 }) throws {
        self.pki = pki
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("intake-home-\(UUID().uuidString)").path
        layout = HomeLayout(root: root)
        _ = try HomeInitializer.create(layout, partnership: "Test Partnership", origin: "test.example/intake",
                                       keyKind: keyKind, now: SystemClock.now())
        if let intakeKey {
            for (source, target) in [("intake-\(intakeKey).key", layout.intakeKey), ("intake-\(intakeKey).crt", layout.intakeCertificate)] {
                try FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: pki.url(source).path, toPath: target)
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: layout.intakeKey)
        }
        let text = try String(contentsOfFile: layout.settings, encoding: .utf8)
        try settings(text).write(toFile: layout.settings, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: pki.url("ca.crt").path, toPath: "\(layout.trust)/test-ca.pem")
        home = try Home(layout)
        for agency in agencies {
            try pki.makeAgencyIfMissing(agency)
            let certificate = try pki.certificate(agency)
            try home.ledger.registerAgency(id: agency, name: "Test \(agency)", certificatePEM: String(decoding: certificate.pem(), as: UTF8.self),
                                           fingerprint: certificate.fingerprint, at: SystemClock.now())
        }
        if openCase {
            try home.ledger.openCase(ref: Self.caseRef, referred: LocalDate("2026-11-23")!, agencies: agencies, at: SystemClock.now())
        }
        // The intake certificate as agencies see it, for the openssl CLI.
        intakeCertificateName = "home-\(UUID().uuidString).crt"
        try FileManager.default.copyItem(atPath: layout.intakeCertificate, toPath: pki.url(intakeCertificateName).path)
    }

    deinit { try? FileManager.default.removeItem(atPath: layout.root) }

    /// The name of this home's intake certificate inside the PKI directory.
    public let intakeCertificateName: String

    /// A complete return for `agency` as JSON bytes, optionally altered.
    public static func returnJSON(agency: String, caseRef: String = TestHome.caseRef, complete: Bool = true,
                                  note: String = "first", agencyIdInDocument: String? = nil) -> [UInt8] {
        var members: [String: JSONValue] = [
            "schema": .string("scoping-return/v1"), "caseRef": .string(caseRef),
            "agencyId": .string(agencyIdInDocument ?? agency),
            "author": .object(["name": .string("Test Author"), "role": .string("Lead")]),
            "involvement": .object(["status": .string("involved"), "summary": .string("Test summary \(note).")]),
            "chronology": .array([.object(["date": .string("2026-11-01"), "event": .string("Test event.")])]),
            "recordsSecured": .object(["secured": .bool(true), "securedOn": .string("2026-11-24")]),
        ]
        if complete {
            members["signOff"] = .object(["name": .string("Test Manager"), "role": .string("Head"), "date": .string("2026-11-24")])
        }
        return CanonicalJSON.encode(.object(members))
    }

    /// Seals `content` as `agency` to this home with the stock openssl CLI.
    public func cliSeal(_ content: [UInt8], agency: String, cipher: String = "-aes-256-gcm", outform: String = "DER",
                        encryptExtra: [String] = []) throws -> [UInt8] {
        let signed = try pki.cliSign(content, agency: agency)
        return try [UInt8](pki.run(["cms", "-encrypt", "-binary", cipher, "-recip", intakeCertificateName] + encryptExtra
                                   + ["-outform", outform], input: Data(signed)))
    }

    public func pipeline(clock: @escaping @Sendable () -> UTCInstant = SystemClock.now) throws -> Pipeline {
        try Pipeline(home: home, clock: clock)
    }

    public func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// Writes `bytes` into drop/tmp (or drop/AGENCY/tmp) and renames it into the inbox.
    @discardableResult
    public func drop(_ bytes: [UInt8], inbox: String = "new", name: String = UUID().uuidString + ".p7m") throws -> String {
        try Self.drop(bytes, into: layout, inbox: inbox, name: name)
    }

    /// Delivers `bytes` into the drop directory of the home at `layout`, as a Maildir writer does.
    @discardableResult
    public static func drop(_ bytes: [UInt8], into layout: HomeLayout, inbox: String = "new",
                            name: String = UUID().uuidString + ".p7m") throws -> String {
        let inboxPath = "\(layout.drop)/\(inbox)"
        let tmp = DurableFile.parent(of: inboxPath) + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: inboxPath, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(tmp)/\(name)"))
        try FileManager.default.moveItem(atPath: "\(tmp)/\(name)", toPath: "\(inboxPath)/\(name)")
        return "\(inbox)/\(name)"
    }
}
