/// A scoping return: what an agency sends the partnership for one case (DESIGN §3).
///
/// > **Scoping return** (`scoping-return/v1`, documented in docs/ with a JSON Schema):
/// > `schema`, `caseRef`, `agencyId`, `author {name, role}`, `signOff {name, role, date}`,
/// > `involvement {status: involved|not-involved|not-known, from, to, summary}`,
/// > `chronology [{date, event, practitionerRole, action}]`, `keyPracticeEpisodes [..]`,
/// > `immediateSafeguardingActions`, `learning`, `recordsSecured {secured, securedOn,
/// > securedBy, reference}`, `parallelProcesses {policeInvestigation, coroner, disciplinary}`,
/// > `attachments [{name, mediaType, sha256, dataBase64}]`. A return is **complete** when it is
/// > signed off, the involvement status is given (with summary and chronology when involved),
/// > records are secured, and every attachment matches its sha256. An incomplete return is
/// > still accepted, ledgered and receipted, but marked incomplete with the missing items.
///
/// Two levels, kept apart on purpose (docs/scoping-return.md has the full rules):
///
/// - **Validity** (`validate(_:)`, mirrored exactly by docs/scoping-return.schema.json) is
///   about shape: the right `schema`, a well-formed `caseRef` and `agencyId`, the right JSON
///   types, no unknown members, real dates, bounded and control-free text, safe attachment
///   names, well-formed hashes and canonical base64. An invalid return is `invalid-return`.
/// - **Completeness** (`completeness`) is about substance: a draft with no sign-off yet is
///   valid and accepted, but incomplete, with stable `MissingItem` codes.
///
/// Every optional member may be absent or `null` (the same thing); text that is empty or only
/// white space counts as missing for completeness.
public struct ScopingReturn: Sendable, Equatable {
    /// The value of the `schema` member.
    public static let schemaIdentifier = "scoping-return/v1"

    /// The case's pseudonymous reference, e.g. `RR-2026-014` (`isCaseRef(_:)`).
    public var caseRef: String
    /// The returning agency's registered id, e.g. `police` (`isAgencyId(_:)`).
    public var agencyId: String
    public var author: Author?
    public var signOff: SignOff?
    public var involvement: Involvement?
    /// The agency's chronology of contacts and actions; `[]` when absent.
    public var chronology: [ChronologyEntry]
    /// Key practice episodes the agency identifies; `[]` when absent.
    public var keyPracticeEpisodes: [KeyPracticeEpisode]
    public var immediateSafeguardingActions: String?
    public var learning: String?
    public var recordsSecured: RecordsSecured?
    public var parallelProcesses: ParallelProcesses?
    /// Attached documents, embedded; `[]` when absent.
    public var attachments: [Attachment]

    public init(
        caseRef: String, agencyId: String, author: Author? = nil, signOff: SignOff? = nil,
        involvement: Involvement? = nil, chronology: [ChronologyEntry] = [],
        keyPracticeEpisodes: [KeyPracticeEpisode] = [], immediateSafeguardingActions: String? = nil,
        learning: String? = nil, recordsSecured: RecordsSecured? = nil,
        parallelProcesses: ParallelProcesses? = nil, attachments: [Attachment] = []
    ) {
        self.caseRef = caseRef
        self.agencyId = agencyId
        self.author = author
        self.signOff = signOff
        self.involvement = involvement
        self.chronology = chronology
        self.keyPracticeEpisodes = keyPracticeEpisodes
        self.immediateSafeguardingActions = immediateSafeguardingActions
        self.learning = learning
        self.recordsSecured = recordsSecured
        self.parallelProcesses = parallelProcesses
        self.attachments = attachments
    }
}

extension ScopingReturn {
    /// The limits validity enforces. Text lengths count Unicode scalars (JSON Schema's
    /// `maxLength` counts code points the same way).
    public enum Limits {
        /// One-line text: names, roles, references, media types, attachment names.
        public static let lineLength = 200
        /// Free text: summaries, events, actions, episodes, learning.
        public static let textLength = 20_000
        public static let chronologyEntries = 2_000
        public static let keyPracticeEpisodes = 200
        public static let attachments = 50
        /// At most this many problems are reported for one document.
        public static let problems = 100
    }

    /// A pseudonymous case reference: `^[A-Z]{2,5}-[0-9]{4}-[0-9]{1,6}$` (e.g. `RR-2026-014`).
    public static func isCaseRef(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        let isUpper = { (c: UInt8) in c >= 0x41 && c <= 0x5a }
        let isDigit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
        return (2...5).contains(parts[0].count) && parts[0].allSatisfy(isUpper)
            && parts[1].count == 4 && parts[1].allSatisfy(isDigit)
            && (1...6).contains(parts[2].count) && parts[2].allSatisfy(isDigit)
    }

    /// An agency id: `^[a-z0-9][a-z0-9-]{0,62}$` (e.g. `police`, `nhs-trust-2`).
    public static func isAgencyId(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        let allowed = { (c: UInt8) in (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d }
        guard let first = utf8.first, first != 0x2d, utf8.count <= 63 else { return false }
        return utf8.allSatisfy(allowed)
    }
}
