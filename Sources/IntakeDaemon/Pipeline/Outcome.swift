public import IntakeCore
public import Logging

/// What became of one input: the answer every channel gives (CLI line, HTTP body, log line).
public struct Outcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        case accepted, acceptedIncomplete = "accepted-incomplete", duplicate, rejected
    }

    public var status: Status
    public var reason: ReasonCode?
    public var message: String
    /// SHA-256 of the input as received; for an unopened non-regular file, the id it is
    /// quarantined under.
    public var envelopeSha256: String
    public var caseRef: String?
    public var agencyId: String?
    public var version: Int?
    /// For a duplicate, the ledger index of the original acceptance.
    public var duplicateOf: Int? = nil
    public var missing: [String]
    public var ledgerIndex: Int
    public var treeSize: Int
    /// False when the input had been recorded before (a replay after a crash).
    public var isNew: Bool
    /// The RFC 2634 signed receipt the agency asked for (DER), for an accepted or duplicate
    /// submission whose signer included a receipt request.
    public var signedReceipt: [UInt8]? = nil

    /// One line for humans and logs: no content, no names.
    public var summary: String {
        var parts = [status.rawValue]
        if let reason { parts.append("reason=\(reason.rawValue)") }
        if let caseRef { parts.append("case=\(caseRef)") }
        if let agencyId { parts.append("agency=\(agencyId)") }
        if let version { parts.append("version=\(version)") }
        if !missing.isEmpty { parts.append("missing=\(missing.joined(separator: ","))") }
        parts.append("envelope=\(envelopeSha256.prefix(16))")
        parts.append("index=\(ledgerIndex)")
        return parts.joined(separator: " ")
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "status": .string(status.rawValue), "envelopeSha256": .string(envelopeSha256),
            "ledgerIndex": .int(ledgerIndex), "treeSize": .int(treeSize),
        ]
        if let reason { members["error"] = .string(reason.rawValue); members["message"] = .string(message) }
        if let caseRef { members["caseRef"] = .string(caseRef) }
        if let agencyId { members["agencyId"] = .string(agencyId) }
        if let version { members["version"] = .int(version) }
        if !missing.isEmpty { members["missing"] = .array(missing.map(JSONValue.string)) }
        return .object(members)
    }

    /// The log line's fields for this outcome from `channel`, as every channel logs it:
    /// references, the hash prefix, the reason code and the time taken; no content or names.
    public func logMetadata(channel: String, elapsed: Duration? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "outcome": "\(status.rawValue)", "envelope": "\(envelopeSha256.prefix(16))", "index": "\(ledgerIndex)",
            "channel": "\(channel)",
        ]
        if let elapsed { metadata["ms"] = "\(elapsed.milliseconds)" }
        if let reason { metadata["reason"] = "\(reason.rawValue)" }
        if let caseRef { metadata["case"] = "\(caseRef)" }
        if let agencyId { metadata["agency"] = "\(agencyId)" }
        if let version { metadata["version"] = "\(version)" }
        if !isNew { metadata["replay"] = "true" }
        return metadata
    }
}
