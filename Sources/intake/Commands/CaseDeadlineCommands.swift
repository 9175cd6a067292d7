import ArgumentParser
import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

extension CaseCommand {
    struct SetDue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-due",
            abstract: "Change one deadline of case REF: requests, returns, meeting or panel.",
            discussion: """
            Overrides the date computed from the referral and [timescales] (or given at `case open`). Recorded
            in the ledger (due-date-set); the latest change wins. The Panel deadline stays the earlier of its
            date and the meeting + panel_after_meeting working days once the meeting is recorded.
            """
        )
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String
        @Argument(help: "requests, returns, meeting or panel.") var milestone: String
        @Argument(help: "The new due date, YYYY-MM-DD.") var date: String

        func run() throws {
            guard let which = Milestone(rawValue: milestone) else {
                throw ValidationError("MILESTONE must be one of \(Milestone.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let due = try parseDate(date, option: "DATE")
            let opened = try home.open()
            try Failure.report {
                let index = try opened.ledger.setDue(ref: ref, milestone: which, due: due, at: SystemClock.now())
                let status = try StatusCommand.status(ref, home: opened)
                print("\(ref): \(which.rawValue) due \(status.deadlines[which]) (ledger index \(index))")
            }
        }
    }

    struct Requests: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a signed scoping request for each expected agency of case REF.",
            discussion: """
            Writes DIR/REF-AGENCY.request.p7m per agency: a CMS SignedData (DER) by keys/receipt.crt over a
            scoping-request/v1 JSON with the case ref, the agency id, the date returns are due, the intake
            certificate to encrypt to, and a blank scoping-return/v1 template to fill in. The agency checks it
            is genuine and reads it with
              openssl cms -verify -inform DER -in REF-AGENCY.request.p7m -CAfile receipt.crt -out request.json
            Each request is recorded in the ledger (scoping-requested, with its SHA-256).
            """
        )
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String
        @Option(name: .shortAndLong, help: "The folder to write the requests into.") var output: String
        @Option(name: .customLong("agency"), help: "Only this agency (repeatable; default: every expected agency).")
        var agencies: [String] = []

        func run() throws {
            let opened = try home.open()
            try Failure.report {
                let status = try StatusCommand.status(ref, home: opened)
                let targets = agencies.isEmpty ? status.agencies.map(\.agencyId) : agencies
                for agency in targets where !status.agencies.contains(where: { $0.agencyId == agency }) {
                    throw HomeError("agency-not-expected", "\(agency) is not expected for \(ref)")
                }
                let certificate = try Certificate(pem: DurableFile.read(opened.layout.receiptCertificate))
                let key = try PrivateKey(pem: DurableFile.read(opened.layout.receiptKey))
                let intakePEM = String(decoding: try opened.intakeCertificate.pem(), as: UTF8.self)
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                let now = SystemClock.now()
                var issued: [(agencyId: String, due: LocalDate, sha256: String)] = []
                for agency in targets {
                    let request = ScopingRequest(partnership: opened.settings.partnership, caseRef: ref, agencyId: agency,
                                                 referred: status.referred, returnsDue: status.deadlines.returns, issuedAt: now,
                                                 intakeCertificatePEM: intakePEM,
                                                 intakeCertificateSha256: opened.intakeCertificate.fingerprint)
                    let signed = try EnvelopeSealer.sign(CanonicalJSON.encode(request.json), signer: certificate, key: key)
                    let path = "\(output)/\(ref)-\(agency).request.p7m"
                    try Data(signed).write(to: URL(fileURLWithPath: path), options: .atomic)
                    issued.append((agency, status.deadlines.returns, SHA256.hex(signed)))
                    print("\(path): \(agency), returns due \(status.deadlines.returns)")
                }
                try opened.ledger.recordScopingRequests(ref: ref, requests: issued, at: now)
            }
        }
    }
}
