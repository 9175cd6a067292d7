public import IntakeCore
import Glibc

/// `store/` and `quarantine/`: every input kept exactly as received, named by the SHA-256
/// of its bytes. Stored envelopes are read-only (0444); a file already present under its
/// hash is never rewritten.
public struct EnvelopeStore: Sendable {
    public let layout: HomeLayout

    public init(layout: HomeLayout) { self.layout = layout }

    /// Makes an accepted (or duplicate) envelope durable in `store/`.
    public func keep(_ bytes: [UInt8], sha256: String) throws(StorageError) {
        try DurableFile.write(bytes, to: layout.store, name: "\(sha256).p7m", mode: 0o444, skipIfExists: true)
    }

    /// The JSON record beside a quarantined input (DESIGN §5).
    public struct Record: Sendable {
        public var reason: ReasonCode
        public var message: String
        public var receivedAt: UTCInstant
        public var originalName: String?
        public var channel: String
        public var size: Int
        public var sha256: String?

        public var json: JSONValue {
            var members: [String: JSONValue] = [
                "reason": .string(reason.rawValue), "message": .string(message),
                "receivedAt": .string(receivedAt.rfc3339(milliseconds: true)),
                "originalName": originalName.map(JSONValue.string) ?? .null,
                "channel": .string(channel), "size": .int(size),
            ]
            if let sha256 { members["envelopeSha256"] = .string(sha256) }
            return .object(members)
        }
    }

    /// Makes a rejected input durable in `quarantine/` as `SHA256.p7m`, with `SHA256.json`.
    /// The first record for a given hash is kept (the ledger has every later one).
    public func quarantine(_ bytes: [UInt8], sha256: String, record: Record) throws(StorageError) {
        try DurableFile.write(bytes, to: layout.quarantine, name: "\(sha256).p7m", mode: 0o444, skipIfExists: true)
        try writeRecord(record, name: sha256)
    }

    func writeRecord(_ record: Record, name: String) throws(StorageError) {
        try DurableFile.write(Array((PrettyJSON.encode(record.json) + "\n").utf8), to: layout.quarantine,
                              name: "\(name).json", mode: 0o444, skipIfExists: true)
    }

    public func storedPath(_ sha256: String) -> String { "\(layout.store)/\(sha256).p7m" }
    public func quarantinedPath(_ name: String) -> String { "\(layout.quarantine)/\(name).p7m" }

    public func isStored(_ sha256: String) -> Bool { access(storedPath(sha256), F_OK) == 0 }
    public func isQuarantined(_ name: String) -> Bool { access(quarantinedPath(name), F_OK) == 0 }
}
