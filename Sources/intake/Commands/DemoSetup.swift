import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

/// The demo's world: a home, a demo CA, four agencies with signing keys, one open case.
/// Every person, place and event in it is fictional.
struct DemoSetup {
    struct Agency {
        let id: String
        let name: String
        let inbox: String  // relative to drop/
    }

    static let caseRef = "RR-2026-014"
    static let agencies = [
        Agency(id: "police", name: "Northshire Police", inbox: "police/new"),
        Agency(id: "health", name: "Northshire Health Trust", inbox: "new"),
        Agency(id: "education", name: "Northshire Schools", inbox: "new"),
        Agency(id: "social-care", name: "Northshire Children's Social Care", inbox: "social-care/new"),
    ]

    let layout: HomeLayout
    let home: Home
    let referred: LocalDate
    var signers: [String: (Certificate, PrivateKey)] = [:]
    let rogue: (Certificate, PrivateKey)

    init(layout: HomeLayout) throws {
        self.layout = layout
        let now = SystemClock.now()
        _ = try HomeInitializer.create(layout, partnership: "Northshire Safeguarding Children Partnership", origin: nil,
                                       keyKind: .ec, now: now)
        let caKey = try PrivateKey.generate(.ecP256)
        let ca = try CertificateIssuer.issue(subject: .init(commonName: "Northshire Agency CA (demo)", organization: "Northshire"),
                                             key: caKey, profile: .agencyCA, notBefore: now.secondsSinceEpoch - 3600, days: 365)
        try DurableFile.write(ca.pem(), to: layout.trust, name: "demo-agency-ca.pem", mode: 0o644)
        home = try Home(layout)
        for agency in Self.agencies {
            let key = try PrivateKey.generate(.ecP256)
            let certificate = try CertificateIssuer.issue(
                subject: .init(commonName: "\(agency.name) returns", organization: agency.name), key: key,
                profile: .agencySigning(email: "returns@\(agency.id).example"), issuer: (ca, caKey),
                notBefore: now.secondsSinceEpoch - 3600, days: 365)
            try home.ledger.registerAgency(id: agency.id, name: agency.name, certificatePEM: String(decoding: certificate.pem(), as: UTF8.self),
                                           fingerprint: certificate.fingerprint, at: now)
            signers[agency.id] = (certificate, key)
            if agency.inbox != "new" {
                for folder in ["tmp", "new"] {
                    try FileManager.default.createDirectory(atPath: "\(layout.drop)/\(agency.id)/\(folder)", withIntermediateDirectories: true)
                }
            }
        }
        // The meeting's chair: the pack is encrypted to this certificate. (A demo keeps the
        // key in the home, as demo-chair.key, so that the pack can be opened afterwards.)
        let chairKey = try PrivateKey.generate(.ecP256)
        let chair = try CertificateIssuer.issue(subject: .init(commonName: "Rapid Review chair (demo)", organization: "Northshire"),
                                                key: chairKey, profile: .packRecipient(email: "chair@partnership.example"),
                                                notBefore: now.secondsSinceEpoch - 3600, days: 365)
        try DurableFile.write(chair.pem(), to: layout.packRecipients, name: "demo-chair.pem", mode: 0o644)
        try DurableFile.write(chairKey.pem(), to: layout.root, name: "demo-chair.key", mode: 0o600)
        let rogueKey = try PrivateKey.generate(.ecP256)
        rogue = (try CertificateIssuer.issue(subject: .init(commonName: "Unknown sender"), key: rogueKey,
                                             profile: .agencySigning(email: nil), notBefore: now.secondsSinceEpoch - 3600, days: 30),
                 rogueKey)
        referred = home.calendar.adding(workingDays: -1, to: now.londonDate)
        try home.ledger.openCase(ref: Self.caseRef, referred: referred, agencies: Self.agencies.map(\.id), at: now)
    }

    struct Step {
        let label: String
        let inbox: String
        let envelope: [UInt8]
        /// Posted to the socket (as an upload front end would) instead of dropped.
        var viaSocket = false
    }

    func steps() throws -> [Step] {
        let intake = home.intakeCertificate
        func sealed(_ agency: String, _ document: JSONValue, signer: (Certificate, PrivateKey)? = nil) throws -> [UInt8] {
            let (certificate, key) = signer ?? signers[agency]!
            return try EnvelopeSealer.seal(CanonicalJSON.encode(document), signer: certificate, key: key, to: [intake])
        }
        let inbox = { (id: String) in Self.agencies.first { $0.id == id }!.inbox }
        return [
            Step(label: "police drops a complete return into drop/police/new", inbox: inbox("police"),
                 envelope: try sealed("police", complete("police"))),
            Step(label: "health drops a return that is not yet signed off into drop/new", inbox: inbox("health"),
                 envelope: try sealed("health", complete("health", signedOff: false))),
            Step(label: "a sender no trust anchor vouches for drops an envelope into drop/new", inbox: "new",
                 envelope: try sealed("education", complete("education"), signer: rogue)),
            Step(label: "education's upload portal posts a complete return to the intake socket (HTTP)", inbox: inbox("education"),
                 envelope: try sealed("education", complete("education")), viaSocket: true),
            Step(label: "health sends its signed-off return (version 2) into drop/new", inbox: inbox("health"),
                 envelope: try sealed("health", complete("health"))),
            Step(label: "social-care drops a complete return into drop/social-care/new", inbox: inbox("social-care"),
                 envelope: try sealed("social-care", complete("social-care"))),
        ]
    }

    /// Writes into tmp/ and renames into the inbox, as a Maildir writer does.
    func drop(_ step: Step) throws {
        let inbox = "\(layout.drop)/\(step.inbox)"
        let tmp = inbox.hasSuffix("/new") ? String(inbox.dropLast(4)) + "/tmp" : layout.dropTmp
        let name = "\(Int(Date().timeIntervalSince1970 * 1000)).\(UUID().uuidString.prefix(8)).p7m"
        try Data(step.envelope).write(to: URL(fileURLWithPath: "\(tmp)/\(name)"))
        try FileManager.default.moveItem(atPath: "\(tmp)/\(name)", toPath: "\(inbox)/\(name)")
    }

    func complete(_ agency: String, signedOff: Bool = true) -> JSONValue {
        let day = { (offset: Int) in JSONValue.string(self.referred.adding(days: offset).description) }
        var members: [String: JSONValue] = [
            "schema": .string("scoping-return/v1"), "caseRef": .string(Self.caseRef), "agencyId": .string(agency),
            "author": .object(["name": .string("Demo Author (\(agency))"), "role": .string("Safeguarding lead")]),
            "involvement": .object(["status": .string("involved"), "from": day(-120), "to": day(0),
                                    "summary": .string("Fictional demo involvement summary for \(agency).")]),
            "chronology": .array([
                .object(["date": day(-90), "event": .string("Fictional contact with the family."),
                         "practitionerRole": .string("Practitioner"), "action": .string("Recorded and shared.")]),
                .object(["date": day(-10), "event": .string("Fictional concern raised."),
                         "practitionerRole": .string("Practitioner"), "action": .string("Referral made.")]),
            ]),
            "immediateSafeguardingActions": .string("Fictional: siblings' welfare checked."),
            "learning": .string("Fictional early learning."),
            "recordsSecured": .object(["secured": .bool(true), "securedOn": day(1), "securedBy": .string("Records officer"),
                                       "reference": .string("DEMO-\(agency.uppercased())-1")]),
        ]
        if signedOff {
            members["signOff"] = .object(["name": .string("Demo Manager (\(agency))"), "role": .string("Head of service"), "date": day(2)])
        }
        return .object(members)
    }
}
