import Foundation

/// The OpenSSL primitive floor for one envelope (issue 6): the private-key operation for the
/// intake key (ECDH P-256), one signature verification (ECDSA P-256), AES-256-GCM over the
/// envelope's bytes and SHA-256 over them, each at `openssl speed`'s own rate on this machine,
/// on one core. With N cores the floor is N envelopes per `secondsPerEnvelope`.
///
/// It leaves out work the design requires of intake that is not one of these four: the
/// certificate chain's signature, the second and third SHA-256 passes (the content digest and
/// the attachment hashes), the checkpoint's Ed25519 signature, parsing, and the disk.
struct PrimitiveFloor {
    let envelopeBytes: Int
    let ecdhPerSecond: Double
    let verifiesPerSecond: Double
    let aesBytesPerSecond: Double
    let shaBytesPerSecond: Double

    init(envelopeBytes: Int, bench: Bench) throws {
        self.envelopeBytes = envelopeBytes
        ecdhPerSecond = try Self.lastNumber(of: "ecdh (nistp256)", in: bench.output("/usr/bin/openssl", ["speed", "-seconds", "3", "ecdhp256"]))
        verifiesPerSecond = try Self.lastNumber(of: "ecdsa (nistp256)", in: bench.output("/usr/bin/openssl", ["speed", "-seconds", "3", "ecdsap256"]))
        aesBytesPerSecond = try Self.evpRate("aes-256-gcm", bytes: envelopeBytes, bench: bench)
        shaBytesPerSecond = try Self.evpRate("sha256", bytes: envelopeBytes, bench: bench)
    }

    var parts: [(name: String, seconds: Double)] {
        [("ECDH P-256 (the intake key's private-key operation)", 1 / ecdhPerSecond),
         ("ECDSA P-256 verification", 1 / verifiesPerSecond),
         ("AES-256-GCM over the envelope", Double(envelopeBytes) / aesBytesPerSecond),
         ("SHA-256 over the envelope", Double(envelopeBytes) / shaBytesPerSecond)]
    }

    var secondsPerEnvelope: Double { parts.reduce(0) { $0 + $1.seconds } }

    func envelopesPerSecond(cores: Int) -> Double { Double(cores) / secondsPerEnvelope }

    func report(cores: Int) {
        print("primitive floor for a \(envelopeBytes)-byte envelope (openssl speed, one core):")
        for part in parts { print(String(format: "  %8.1f µs  %@", part.seconds * 1e6, part.name)) }
        print(String(format: "  %8.1f µs  in all = %.0f envelopes/s on one core, %.0f/s on %d cores",
                     secondsPerEnvelope * 1e6, envelopesPerSecond(cores: 1), envelopesPerSecond(cores: cores), cores))
    }

    /// openssl's rate in bytes per second for `algorithm` on blocks of `bytes`.
    static func evpRate(_ algorithm: String, bytes: Int, bench: Bench) throws -> Double {
        let text = try bench.output("/usr/bin/openssl", ["speed", "-seconds", "3", "-bytes", "\(max(16, bytes))", "-evp", algorithm])
        // The last line: "AES-256-GCM    3684400.00k" (thousands of bytes per second).
        guard let line = text.split(separator: "\n").last(where: { $0.lowercased().hasPrefix(algorithm) }),
              let figure = line.split(separator: " ").last, figure.hasSuffix("k"), let value = Double(figure.dropLast())
        else { Options.fail("cannot read `openssl speed -evp \(algorithm)`: \(text.suffix(200))") }
        return value * 1000
    }

    /// The last number on the line of `openssl speed` output that contains `label` (ops/s).
    static func lastNumber(of label: String, in text: String) throws -> Double {
        guard let line = text.split(separator: "\n").last(where: { $0.contains(label) }),
              let figure = line.split(separator: " ").last, let value = Double(figure)
        else { Options.fail("cannot read `openssl speed` for \(label): \(text.suffix(200))") }
        return value
    }
}
