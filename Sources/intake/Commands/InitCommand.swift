import ArgumentParser
import IntakeCrypto
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new intake home: settings, keys and certificates, empty ledger.",
        discussion: """
        Makes HOME/intake.toml (documented defaults), HOME/keys/ (intake decryption key and certificate,
        receipt-signing key and certificate, Ed25519 ledger key and ledger.vkey; private keys 0600),
        trust/, pack-recipients/, drop/{tmp,new}, store/, quarantine/, receipts/, packs/ and the ledger.
        Refuses to overwrite an existing home. Publish keys/intake.crt to agencies (they encrypt to it),
        and keys/receipt.crt and keys/ledger.vkey to anyone who verifies receipts.
        """
    )

    @OptionGroup var home: HomeOption

    @Option(help: "The partnership's name, e.g. \"Northshire Safeguarding Children Partnership\".")
    var partnership: String

    @Option(help: "The checkpoint origin line and ledger key name (default: derived from the partnership).")
    var origin: String?

    @Option(help: "The intake decryption key: ec (P-256, default) or rsa (RSA-3072, for mail clients without ECC).")
    var key: String = "ec"

    func run() throws {
        guard let keyKind = HomeInitializer.KeyKind(rawValue: key) else { throw ValidationError("--key must be ec or rsa") }
        let layout = home.layout.withoutCredentials
        try Failure.report {
            _ = try HomeInitializer.create(layout, partnership: partnership, origin: origin, keyKind: keyKind, now: SystemClock.now())
            let opened = try Home(layout)
            print("Created intake home \(layout.root)")
            print("  partnership       \(opened.settings.partnership)")
            print("  checkpoint origin \(opened.settings.origin)")
            print("  intake cert       \(layout.intakeCertificate) (sha256 \(opened.intakeCertificate.fingerprint))")
            print("  ledger key        \(opened.ledgerVerifierKey.format())")
            print("Next: put agency CA certificates in \(layout.trust)/, then `intake agency add`.")
        }
    }
}

