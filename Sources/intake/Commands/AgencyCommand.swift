import ArgumentParser
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

struct AgencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency",
        abstract: "Register agencies and pin their signing certificates.",
        subcommands: [Add.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register agency ID (or add a certificate to it), pinning its signing certificate.",
            discussion: """
            The certificate must chain to a trust anchor in HOME/trust/ and be usable for S/MIME signing
            now. A certificate is pinned to exactly one agency. Run again with another --cert to add a
            second certificate (e.g. a renewal) to the same agency.
            """
        )

        @OptionGroup var home: HomeOption
        @Argument(help: "The agency id: lowercase letters, digits and hyphens, e.g. police, health-trust.")
        var id: String
        @Option(help: "The agency's name, e.g. \"Northshire Police\".")
        var name: String
        @Option(help: "The agency's signing certificate (PEM).")
        var cert: String

        func run() throws {
            let opened = try home.open()
            let pem = try readFile(cert)
            try Failure.report {
                let certificate = try Certificate(pem: pem)
                let now = SystemClock.now()
                switch opened.trust.verify(certificate, at: now.secondsSinceEpoch) {
                case .trusted: break
                case .expired: throw HomeError("cert-expired", "the certificate is not valid now")
                case .untrusted(let why):
                    throw HomeError("untrusted-signer", "the certificate does not chain to a trust anchor in trust/ for S/MIME signing: \(why)")
                }
                let index = try opened.ledger.registerAgency(id: id, name: name, certificatePEM: String(decoding: certificate.pem(), as: UTF8.self),
                                                             fingerprint: certificate.fingerprint, at: now)
                print("agency \(id): certificate sha256 \(certificate.fingerprint) pinned (ledger index \(index))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered agencies and their pinned certificates.")
        @OptionGroup var home: HomeOption

        func run() throws {
            let agencies = try Failure.report { try home.open(readOnly: true).ledger.agencies() }
            if agencies.isEmpty { print("No agencies registered. Add one with `intake agency add`."); return }
            printTable(["AGENCY", "NAME", "CERTIFICATES (sha256)"],
                       agencies.map { [$0.id, $0.name, $0.certificateFingerprints.map { String($0.prefix(16)) + "…" }.joined(separator: " ")] })
        }
    }
}
