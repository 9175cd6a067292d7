public import IntakeCore
import IntakeCrypto
import Glibc

/// `intake init`: makes a new home (DESIGN §5) with its settings, keys and certificates.
/// Keys are made with the OpenSSL library; private keys are written 0600.
public enum HomeInitializer {
    public enum KeyKind: String, Sendable, CaseIterable {
        case ec, rsa
    }

    /// A checkpoint origin derived from the partnership's name: lowercase, hyphenated.
    public static func defaultOrigin(partnership: String) -> String {
        var slug = ""
        for scalar in partnership.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return "\(slug.isEmpty ? "partnership" : slug).intake/ledger"
    }

    /// Creates the home at `layout`. Refuses when `intake.toml` or `keys/` already exist.
    public static func create(_ layout: HomeLayout, partnership: String, origin: String?, keyKind: KeyKind,
                              now: UTCInstant) throws -> Settings {
        let origin = origin ?? defaultOrigin(partnership: partnership)
        let settingsText = Settings.defaultFile(partnership: partnership, origin: origin)
        let settings: Settings
        do { settings = try Settings.parse(settingsText) } catch {
            throw HomeError("bad-settings", "invalid --partnership or --origin: \(error.message)")
        }
        if access(layout.settings, F_OK) == 0 || access(layout.keys, F_OK) == 0 || access(layout.ledger, F_OK) == 0 {
            throw HomeError("home-exists", "\(layout.root) already holds an intake home; refusing to overwrite it")
        }
        for (directory, mode) in layout.directories {
            if mkdir(directory, mode_t(mode)) != 0 && errno != EEXIST {
                throw HomeError("mkdir-failed", "cannot create \(directory): \(String(cString: strerror(errno)))")
            }
            chmod(directory, mode_t(mode))
        }
        let start = now.secondsSinceEpoch - 300
        let subject = { (role: String) in CertificateIssuer.Subject(commonName: "\(partnership) intake \(role)", organization: partnership) }

        let intakeKey = try PrivateKey.generate(keyKind == .ec ? .ecP256 : .rsa3072)
        let intakeCertificate = try CertificateIssuer.issue(subject: subject("decryption"), key: intakeKey,
                                                            profile: .intakeDecryption, notBefore: start, days: 3 * 365)
        let receiptKey = try PrivateKey.generate(.ecP256)
        let receiptCertificate = try CertificateIssuer.issue(subject: subject("receipts"), key: receiptKey,
                                                             profile: .receiptSigning, notBefore: start, days: 3 * 365)
        let ledgerKey = try PrivateKey.generate(.ed25519)
        let signer = try Ed25519NoteSigner(name: origin, key: ledgerKey)

        try DurableFile.write(intakeKey.pem(), to: layout.keys, name: "intake.key", mode: 0o600)
        try DurableFile.write(intakeCertificate.pem(), to: layout.keys, name: "intake.crt", mode: 0o644)
        try DurableFile.write(receiptKey.pem(), to: layout.keys, name: "receipt.key", mode: 0o600)
        try DurableFile.write(receiptCertificate.pem(), to: layout.keys, name: "receipt.crt", mode: 0o644)
        try DurableFile.write(ledgerKey.pem(), to: layout.keys, name: "ledger.key", mode: 0o600)
        try DurableFile.write(Array((signer.verifierKey.format() + "\n").utf8), to: layout.keys, name: "ledger.vkey", mode: 0o644)
        try DurableFile.write(Array(settingsText.utf8), to: layout.root, name: "intake.toml", mode: 0o640)
        return settings
    }
}
