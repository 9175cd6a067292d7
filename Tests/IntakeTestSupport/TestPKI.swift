public import Foundation
public import IntakeCrypto

/// A throwaway PKI made with the stock `openssl` command in a temporary directory: an agency
/// CA, agency signing certificates, and intake decryption certificates (EC and RSA).
public final class TestPKI: @unchecked Sendable {
    public let directory: URL
    /// Held while `makeAgencyIfMissing` looks and makes: tests share a PKI and run concurrently.
    private let making = NSLock()

    public enum IntakeKind: String, Sendable, CaseIterable { case ec, rsa }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("intake-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(Self.config.utf8).write(to: directory.appendingPathComponent("openssl.cnf"))
        try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/O=Test Partnership/CN=Test Agency CA",
                 "-days", "3650", "-config", "openssl.cnf", "-extensions", "agency_ca"])
        for kind in IntakeKind.allCases {
            let newkey = kind == .ec ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", "rsa:2048"]
            try run(["req", "-x509"] + newkey + ["-nodes", "-keyout", "intake-\(kind).key", "-out", "intake-\(kind).crt",
                     "-subj", "/CN=Test Intake \(kind)", "-days", "3650", "-config", "openssl.cnf",
                     "-extensions", kind == .ec ? "intake_ec" : "intake_rsa"])
        }
    }

    /// A copy of a committed PKI laid out the same way (`ca.key`, `ca.crt`, `intake-ec.*`,
    /// `intake-rsa.*`, agencies' `NAME.key` and `NAME.crt`), such as the fuzzing-only one that
    /// scripts/make-fuzz-pki.sh makes.
    /// More agencies can be made in the copy with `makeAgency`.
    public init(copying source: URL) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("intake-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(Self.config.utf8).write(to: directory.appendingPathComponent("openssl.cnf"))
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasSuffix(".key") || name.hasSuffix(".crt") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.appendingPathComponent(name))
            // git keeps no file modes: a key is private again in the copy.
            if name.hasSuffix(".key") { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url(name).path) }
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    public func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    public func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    @discardableResult
    public func run(_ arguments: [String], input: Data? = nil) throws -> Data {
        try OpenSSLCLI.run(arguments, in: directory, input: input)
    }

    /// Makes the agency `name` as `makeAgency` does unless its certificate exists; safe when
    /// several tests sharing this PKI ask for the same agency at once.
    public func makeAgencyIfMissing(_ name: String) throws {
        making.lock()
        defer { making.unlock() }
        if !FileManager.default.fileExists(atPath: url("\(name).crt").path) { try makeAgency(name) }
    }

    /// Makes `NAME.key` and `NAME.crt`, an agency signing certificate issued by the test CA
    /// (or self-signed when `selfSigned`), with the given extensions section of openssl.cnf.
    public func makeAgency(_ name: String, extensions: String = "agency_sign", selfSigned: Bool = false, days: Int = 365) throws {
        if selfSigned {
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", "\(name).key", "-out", "\(name).crt", "-subj", "/O=Test/CN=\(name)",
                     "-days", "\(days)", "-config", "openssl.cnf", "-extensions", extensions])
            return
        }
        try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/O=Test/CN=\(name)", "-config", "openssl.cnf"])
        try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "\(name).crt", "-days", "\(days)", "-extfile", "openssl.cnf", "-extensions", extensions])
    }

    public func certificate(_ name: String) throws -> Certificate { try Certificate(pem: bytes("\(name).crt")) }
    public func key(_ name: String) throws -> PrivateKey { try PrivateKey(pem: bytes("\(name).key")) }

    /// Signs `content` as `agency` with `openssl cms -sign`; returns DER SignedData.
    public func cliSign(_ content: [UInt8], agency: String, extra: [String] = []) throws -> [UInt8] {
        try [UInt8](run(["cms", "-sign", "-binary", "-nodetach", "-signer", "\(agency).crt", "-inkey", "\(agency).key",
                         "-outform", "DER"] + extra, input: Data(content)))
    }

    /// Encrypts `signed` to the intake certificate of `kind` with `openssl cms -encrypt`.
    public func cliEncrypt(_ signed: [UInt8], to kind: IntakeKind = .ec, cipher: String = "-aes-256-gcm",
                           outform: String = "DER", extra: [String] = []) throws -> [UInt8] {
        try [UInt8](run(["cms", "-encrypt", "-binary", cipher, "-recip", "intake-\(kind).crt"] + extra + ["-outform", outform],
                        input: Data(signed)))
    }

    /// DESIGN §3's recipe, end to end.
    public func cliSeal(_ content: [UInt8], agency: String, to kind: IntakeKind = .ec, cipher: String = "-aes-256-gcm",
                        outform: String = "DER", encryptExtra: [String] = []) throws -> [UInt8] {
        try cliEncrypt(cliSign(content, agency: agency), to: kind, cipher: cipher, outform: outform, extra: encryptExtra)
    }

    public static let config = """
    [ req ]
    distinguished_name = dn
    prompt = no
    [ dn ]
    CN = unused
    [ agency_ca ]
    basicConstraints = critical, CA:TRUE, pathlen:0
    keyUsage = critical, keyCertSign, cRLSign
    subjectKeyIdentifier = hash
    [ agency_sign ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, digitalSignature, nonRepudiation
    extendedKeyUsage = emailProtection
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid
    [ agency_sign_ca ]
    basicConstraints = critical, CA:TRUE
    keyUsage = critical, digitalSignature, keyCertSign
    extendedKeyUsage = emailProtection
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid
    [ agency_sign_keycertsign ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, digitalSignature, keyCertSign
    extendedKeyUsage = emailProtection
    [ tls_server ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, digitalSignature
    extendedKeyUsage = serverAuth
    [ intake_ec ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, keyAgreement
    extendedKeyUsage = emailProtection
    [ intake_rsa ]
    basicConstraints = critical, CA:FALSE
    keyUsage = critical, keyEncipherment
    extendedKeyUsage = emailProtection
    """
}
