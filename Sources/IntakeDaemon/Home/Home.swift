public import IntakeCore
public import IntakeCrypto
public import IntakeLedger
import Glibc

/// An opened intake home: settings, keys, trust anchors and the ledger.
public final class Home: Sendable {
    public let layout: HomeLayout
    public let settings: Settings
    public let ledger: Ledger
    public let calendar: WorkingCalendar
    public let intakeCertificate: Certificate
    let intakeKey: PrivateKey?
    public let trust: TrustStore
    public let ledgerVerifierKey: NoteVerifierKey
    /// Set when a read-only open could not parse intake.toml and went on with the defaults:
    /// what the command should warn about.
    public let settingsWarning: String?

    /// Opens the home at `layout`. With `readOnly`, no private key is loaded and the ledger
    /// refuses writes; otherwise every private key must be mode 0600 or stricter. With
    /// `reusing`, the settings, keys and trust anchors are read afresh but that ledger (already
    /// open) is kept: SIGHUP's reload. Its origin must not change.
    public init(_ layout: HomeLayout, readOnly: Bool = false, reusing openLedger: Ledger? = nil) throws {
        self.layout = layout
        guard access(layout.settings, F_OK) == 0 else {
            throw HomeError("no-home", "\(layout.root) is not an intake home (no intake.toml); run `intake init` first")
        }
        let text = String(decoding: try DurableFile.read(layout.settings), as: UTF8.self)
        var warning: String?
        do { settings = try Settings.parse(text) } catch {
            // A read-only command (status, verify, timeline) needs only the ledger and the
            // published keys: it warns and goes on with the defaults and the ledger's origin.
            guard readOnly else { throw HomeError("bad-settings", "\(layout.settings): \(error.description)") }
            let origin = Ledger.storedOrigin(path: layout.ledger) ?? "unknown"
            settings = Settings(partnership: "(intake.toml could not be read)", origin: origin)
            warning = "\(layout.settings): \(error.description); going on read-only with the ledger (origin \(origin)) and default settings"
        }
        settingsWarning = warning
        let division = BankHolidays.Division(rawValue: settings.calendar.division) ?? .englandAndWales
        // A gov.uk file imported with `intake calendar import` overrides the embedded one for
        // the years it covers.
        var holidays = BankHolidays.embedded(division: division)
        if access(layout.bankHolidays, F_OK) == 0 {
            do {
                holidays = holidays.overlaid(with: try BankHolidays.parse(bytes: DurableFile.read(layout.bankHolidays), division: division))
            } catch {
                throw HomeError("bad-calendar", "\(layout.bankHolidays): \(error)")
            }
        }
        calendar = WorkingCalendar(holidays: holidays)
        if !readOnly { try Self.checkPrivateKeyModes(layout) }
        intakeCertificate = try Certificate(pem: DurableFile.read(layout.intakeCertificate))
        intakeKey = readOnly ? nil : try PrivateKey(pem: DurableFile.read(layout.intakeKey))
        trust = try TrustStore(anchors: Self.trustAnchors(layout))
        let vkeyText = String(decoding: try DurableFile.read(layout.ledgerVerifierKey), as: UTF8.self)
        ledgerVerifierKey = try NoteVerifierKey.parse(vkeyText.trimmingSuffixNewlines())
        let signer: (any NoteSigner)? = readOnly ? nil
            : try Ed25519NoteSigner(name: settings.origin, key: PrivateKey(pem: DurableFile.read(layout.ledgerKey)))
        if let signer, signer.verifierKey != ledgerVerifierKey {
            throw HomeError("key-mismatch", "keys/ledger.key does not match keys/ledger.vkey (or origin changed in intake.toml)")
        }
        if let openLedger {
            guard openLedger.origin == settings.origin else {
                throw HomeError("origin-changed", "origin in intake.toml changed; the ledger's origin cannot change")
            }
            ledger = openLedger
        } else {
            if !readOnly { HomeModes.apply(layout) }
            ledger = try Ledger(path: layout.ledger, origin: settings.origin, signer: signer, readOnly: readOnly)
        }
    }

    /// Refuses to start when any private key is readable or writable by group or others.
    public static func checkPrivateKeyModes(_ layout: HomeLayout) throws {
        for path in layout.privateKeys {
            var info = stat()
            guard lstat(path, &info) == 0 else {
                throw HomeError("missing-key", "\(path) is missing: \(String(cString: strerror(errno)))")
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw HomeError("bad-key-file", "\(path) is not a regular file")
            }
            let mode = info.st_mode & 0o777
            if mode & 0o077 != 0 {
                throw HomeError("key-permissions", "\(path) is readable by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
            }
        }
    }

    /// Every certificate in `trust/*.pem` (and `*.crt`).
    static func trustAnchors(_ layout: HomeLayout) throws -> [Certificate] {
        var anchors: [Certificate] = []
        for name in try Directory.names(in: layout.trust).sorted() where name.hasSuffix(".pem") || name.hasSuffix(".crt") {
            let pem = try DurableFile.read("\(layout.trust)/\(name)")  // an I/O error is reported as one
            do {
                anchors += try Certificate.all(pem: pem)
            } catch {
                throw HomeError("bad-trust-anchor", "trust/\(name) holds no readable PEM certificate")
            }
        }
        return anchors
    }

    /// The decryption side of the pipeline: the intake key, certificate and trust anchors.
    public func opener() throws -> EnvelopeOpener {
        guard let intakeKey else { throw HomeError("read-only", "the home was opened read-only") }
        let receiptSigner = (certificate: try Certificate(pem: DurableFile.read(layout.receiptCertificate)),
                             key: try PrivateKey(pem: DurableFile.read(layout.receiptKey)))
        return try EnvelopeOpener(key: intakeKey, certificate: intakeCertificate, trust: trust,
                                  policy: CryptoPolicy(allowCBC: settings.policy.allowCBC,
                                                       allowRSAPKCS1v15: settings.policy.allowRSAPKCS1v15),
                                  receiptSigner: receiptSigner)
    }
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var text = self
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}

/// Directory listing without Foundation.
public enum Directory {
    public static func names(in path: String) throws(StorageError) -> [String] {
        try names(in: path) { String(decoding: $0, as: UTF8.self) }
    }

    /// The names in `path` as `EscapedName`s: every name, whatever its bytes, maps back to
    /// them with `EscapedName.cString`.
    public static func escapedNames(in path: String) throws(StorageError) -> [String] {
        try names(in: path) { EscapedName.escape($0) }
    }

    /// Each entry of `path` but `.` and `..`, its name's bytes made text by `text`.
    private static func names(in path: String, _ text: (Slice<UnsafeRawBufferPointer>) -> String) throws(StorageError) -> [String] {
        guard let dir = opendir(path) else { throw .errno("cannot list", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { text($0.prefix { $0 != 0 }) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
