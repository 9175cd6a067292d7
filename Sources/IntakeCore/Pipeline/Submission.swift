/// What the pipeline knows about one input once the crypto shell is done with it: the
/// facts every ledger event about it carries.
public struct SubmissionFacts: Sendable, Equatable {
    /// The channel it came by: `drop`, `socket` or `ingest`.
    public var channel: String
    /// SHA-256 of the bytes exactly as received, lowercase hex.
    public var envelopeSha256: String
    public var size: Int
    public var receivedAt: UTCInstant
    /// True for a symlink, FIFO or other non-regular file moved to quarantine unopened:
    /// `envelopeSha256` is then the id it is quarantined under, not a hash of its bytes.
    public var unopened: Bool
    /// For a rejection, how many of its bytes quarantine/ keeps when not all of them: 0 when
    /// the quarantine is full (`max_quarantine_bytes`), `max_envelope_bytes` for a larger
    /// input. nil: all of them.
    public var keptBytes: Int?
    /// SHA-256 of the kept bytes when they are a prefix (0 < `keptBytes` < `size`).
    public var keptSha256: String?

    public init(channel: String, envelopeSha256: String, size: Int, receivedAt: UTCInstant, unopened: Bool = false,
                keptBytes: Int? = nil, keptSha256: String? = nil) {
        self.channel = channel
        self.envelopeSha256 = envelopeSha256
        self.size = size
        self.receivedAt = receivedAt
        self.unopened = unopened
        self.keptBytes = keptBytes
        self.keptSha256 = keptSha256
    }

    /// What a rejection's event says about the bytes it kept.
    var keptFields: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        if let keptBytes { fields["keptBytes"] = .int(keptBytes) }
        if let keptSha256 { fields["keptSha256"] = .string(keptSha256) }
        return fields
    }

    var commonFields: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "channel": .string(channel), "envelopeSha256": .string(envelopeSha256), "size": .int(size),
            "receivedAt": .string(receivedAt.rfc3339(milliseconds: true)),
        ]
        if unopened { fields["unopened"] = .bool(true) }
        return fields
    }
}

/// An opened, signature-checked return, as the submission policy sees it.
public struct OpenedReturn: Sendable, Equatable {
    /// SHA-256 of the signed content (the return's JSON bytes), lowercase hex.
    public var contentSha256: String
    /// SHA-256 of the signer certificate.
    public var signerSha256: String
    /// The agency the signer is pinned to, if any.
    public var signerAgency: String?
    public var verdict: ReturnVerdict
    /// The signer's signingTime (Unix seconds), if the SignedData carries one.
    public var signingTime: Int64?
    /// When the signer's certificate became valid (Unix seconds).
    public var signerNotBefore: Int64?

    public init(contentSha256: String, signerSha256: String, signerAgency: String?, verdict: ReturnVerdict) {
        self.contentSha256 = contentSha256
        self.signerSha256 = signerSha256
        self.signerAgency = signerAgency
        self.verdict = verdict
    }
}

/// The ledger's view of a case, as the submission policy needs it.
public struct CaseSnapshot: Sendable, Equatable {
    public var ref: String
    public var closed: Bool
    public var expectedAgencies: Set<String>
    /// The latest accepted version from the submitting agency, if any.
    public var latest: LatestReturn?
    /// The first version the agency had accepted for this case with the content being
    /// decided on, if any: content the ledger already holds is a duplicate of that version,
    /// never a new one.
    public var sameContent: LatestReturn?
    /// The latest version's signingTime (Unix seconds), when it carried one.
    public var latestSigningTime: Int64?

    public struct LatestReturn: Sendable, Equatable {
        public var version: Int
        public var contentSha256: String
        public var ledgerIndex: Int

        public init(version: Int, contentSha256: String, ledgerIndex: Int) {
            self.version = version
            self.contentSha256 = contentSha256
            self.ledgerIndex = ledgerIndex
        }
    }

    public init(ref: String, closed: Bool, expectedAgencies: Set<String>, latest: LatestReturn?) {
        self.ref = ref
        self.closed = closed
        self.expectedAgencies = expectedAgencies
        self.latest = latest
    }
}

/// The decision on an opened return.
public enum SubmissionDecision: Sendable, Equatable {
    /// Accept as `version`; `supersedes` is the version it replaces.
    case accept(version: Int, supersedes: Int?, completeness: Completeness)
    /// The same content as the latest accepted version: not a rejection, no new version.
    case duplicate(of: CaseSnapshot.LatestReturn)
    case reject(ReasonCode, String)
}

/// The rules that turn an opened return into a decision (DESIGN §3–4), in this order:
/// `unknown-signer`, `invalid-return`, `wrong-agency`, `unknown-case`, `case-closed`,
/// `agency-not-expected`; then `duplicate` when the content hash equals any version the same
/// agency had accepted for the same case (re-posting an earlier version rolls nothing back);
/// then `invalid-return` when the signing time cannot be right for a new version (below);
/// else a new version.
///
/// Signing time (RFC 5652 signingTime, signed by the agency): a new version must not be
/// signed more than `signingTimeSkew` seconds after it was received, nor before its
/// certificate's notBefore, nor before the latest version was signed; and once a version
/// carried a signing time, later ones must too. So an older envelope replayed after a
/// correction is refused, whatever its content.
///
/// A policy returns a verdict; it never throws, reads no clock and does no I/O.
public enum SubmissionPolicy {
    /// Which case to look up for `opened`, once the signer and the return's own fields pass.
    public static func caseReference(for opened: OpenedReturn) -> String? {
        opened.verdict.scopingReturn?.caseRef
    }

    /// How far after its receipt a signing time may be (clock skew between agency and intake).
    public static let signingTimeSkew: Int64 = 300

    public static func decide(_ opened: OpenedReturn, case snapshot: CaseSnapshot?, receivedAt: Int64? = nil) -> SubmissionDecision {
        guard let signerAgency = opened.signerAgency else {
            return .reject(.unknownSigner, "the signing certificate is not registered to any agency")
        }
        guard case .valid(let document, let completeness) = opened.verdict else {
            let codes = opened.verdict.problems.prefix(5).map(\.description).joined(separator: ", ")
            return .reject(.invalidReturn, "not a valid scoping-return/v1 document (\(codes))")
        }
        guard document.agencyId == signerAgency else {
            return .reject(.wrongAgency, "the return names agency \(document.agencyId) but is signed by agency \(signerAgency)")
        }
        guard let snapshot, snapshot.ref == document.caseRef else {
            return .reject(.unknownCase, "no case \(document.caseRef)")
        }
        guard !snapshot.closed else {
            return .reject(.caseClosed, "case \(snapshot.ref) is closed")
        }
        guard snapshot.expectedAgencies.contains(signerAgency) else {
            return .reject(.agencyNotExpected, "agency \(signerAgency) is not expected on case \(snapshot.ref)")
        }
        if let earlier = snapshot.sameContent.flatMap({ $0.contentSha256 == opened.contentSha256 ? $0 : nil })
            ?? snapshot.latest.flatMap({ $0.contentSha256 == opened.contentSha256 ? $0 : nil }) {
            return .duplicate(of: earlier)
        }
        if let problem = signingTimeProblem(opened, snapshot: snapshot, receivedAt: receivedAt) {
            return .reject(.invalidReturn, problem)
        }
        if let latest = snapshot.latest {
            return .accept(version: latest.version + 1, supersedes: latest.version, completeness: completeness)
        }
        return .accept(version: 1, supersedes: nil, completeness: completeness)
    }

    /// Why `opened`'s signing time cannot be a new version's, or nil.
    static func signingTimeProblem(_ opened: OpenedReturn, snapshot: CaseSnapshot, receivedAt: Int64?) -> String? {
        func text(_ seconds: Int64) -> String { UTCInstant(secondsSinceEpoch: seconds).rfc3339(milliseconds: false) }
        guard let signed = opened.signingTime else {
            if let latest = snapshot.latestSigningTime, let version = snapshot.latest?.version {
                return "the envelope carries no signing time, but version \(version) was signed at \(text(latest)); sign the corrected return again"
            }
            return nil
        }
        if let receivedAt, signed > receivedAt + signingTimeSkew {
            return "the signing time \(text(signed)) is in the future (received \(text(receivedAt))); check the signing computer's clock"
        }
        if let notBefore = opened.signerNotBefore, signed < notBefore {
            return "the signing time \(text(signed)) is before the signing certificate was valid (\(text(notBefore)))"
        }
        if let latest = snapshot.latestSigningTime, signed < latest, let version = snapshot.latest?.version {
            return "signed at \(text(signed)), before version \(version) (signed at \(text(latest))): an older envelope cannot replace a newer return"
        }
        return nil
    }

    /// The ledger events that record `decision` for the input described by `facts`.
    public static func events(for decision: SubmissionDecision, facts: SubmissionFacts, opened: OpenedReturn?,
                              at: UTCInstant) -> [LedgerEvent] {
        var fields = facts.commonFields
        if let opened {
            fields["contentSha256"] = .string(opened.contentSha256)
            fields["signerSha256"] = .string(opened.signerSha256)
            if let agency = opened.signerAgency { fields["agencyId"] = .string(agency) }
        }
        let document = opened?.verdict.scopingReturn
        switch decision {
        case .accept(let version, let supersedes, let completeness):
            guard let document else { return [] }
            fields["caseRef"] = .string(document.caseRef)
            fields["version"] = .int(version)
            fields["complete"] = .bool(completeness.isComplete)
            fields["missing"] = .array(completeness.codes.map { .string($0) })
            if let signed = opened?.signingTime { fields["signingTime"] = .string(UTCInstant(secondsSinceEpoch: signed).rfc3339(milliseconds: false)) }
            var events = [LedgerEvent(.submissionAccepted, at: at, fields)]
            if let supersedes {
                events.append(LedgerEvent(.returnSuperseded, at: at, [
                    "caseRef": .string(document.caseRef), "agencyId": .string(document.agencyId),
                    "version": .int(supersedes), "supersededBy": .int(version),
                ]))
            }
            return events
        case .duplicate(let latest):
            if let document { fields["caseRef"] = .string(document.caseRef) }
            fields["duplicateOf"] = .int(latest.ledgerIndex)
            fields["version"] = .int(latest.version)
            return [LedgerEvent(.submissionDuplicate, at: at, fields)]
        case .reject(let reason, _):
            if let document { fields["caseRef"] = .string(document.caseRef) }
            fields["reason"] = .string(reason.rawValue)
            fields.merge(facts.keptFields) { $1 }
            return [LedgerEvent(.submissionRejected, at: at, fields)]
        }
    }

    /// The event for an input the crypto shell (or the size or file-type checks) rejected.
    public static func rejection(_ reason: ReasonCode, facts: SubmissionFacts, at: UTCInstant) -> LedgerEvent {
        var fields = facts.commonFields
        fields["reason"] = .string(reason.rawValue)
        fields.merge(facts.keptFields) { $1 }
        return LedgerEvent(.submissionRejected, at: at, fields)
    }
}

/// Where an input's bytes are kept: accepted and duplicate envelopes in `store/`, rejected
/// inputs in `quarantine/` with their reason.
public enum Disposition: Sendable, Equatable {
    case store
    case quarantine(ReasonCode, String)
}

extension SubmissionDecision {
    public var disposition: Disposition {
        switch self {
        case .accept, .duplicate: .store
        case .reject(let reason, let message): .quarantine(reason, message)
        }
    }
}
