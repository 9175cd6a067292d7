/// A scoping request (`scoping-request/v1`): what the partnership sends each agency for a case,
/// signed by its receipt key so that the agency knows it is genuine (issue 5, docs/scoping-return.md).
///
///     {"schema": "scoping-request/v1", "partnership", "caseRef", "agencyId", "referred",
///      "returnsDue", "issuedAt", "intakeCertificate": PEM, "intakeCertificateSha256",
///      "instructions", "template": a blank scoping-return/v1 for this case and agency}
public struct ScopingRequest: Sendable, Equatable {
    public static let schema = "scoping-request/v1"

    public var partnership: String
    public var caseRef: String
    public var agencyId: String
    public var referred: LocalDate
    public var returnsDue: LocalDate
    public var issuedAt: UTCInstant
    public var intakeCertificatePEM: String
    public var intakeCertificateSha256: String

    public init(partnership: String, caseRef: String, agencyId: String, referred: LocalDate, returnsDue: LocalDate,
                issuedAt: UTCInstant, intakeCertificatePEM: String, intakeCertificateSha256: String) {
        self.partnership = partnership
        self.caseRef = caseRef
        self.agencyId = agencyId
        self.referred = referred
        self.returnsDue = returnsDue
        self.issuedAt = issuedAt
        self.intakeCertificatePEM = intakeCertificatePEM
        self.intakeCertificateSha256 = intakeCertificateSha256
    }

    /// A blank `scoping-return/v1` for the case and agency: every field present, to fill in.
    public var template: JSONValue {
        .object([
            "schema": .string(ScopingReturn.schemaIdentifier), "caseRef": .string(caseRef), "agencyId": .string(agencyId),
            "author": .object(["name": .string(""), "role": .string("")]),
            "involvement": .object(["status": .string("involved"), "from": .string(""), "to": .string(""), "summary": .string("")]),
            "chronology": .array([.object(["date": .string(""), "event": .string(""), "practitionerRole": .string(""),
                                           "action": .string("")])]),
            "keyPracticeEpisodes": .array([]),
            "immediateSafeguardingActions": .string(""), "learning": .string(""),
            "recordsSecured": .object(["secured": .bool(false), "securedOn": .string(""), "securedBy": .string(""),
                                       "reference": .string("")]),
            "parallelProcesses": .object(["policeInvestigation": .string("not-known"), "coroner": .string("not-known"),
                                          "disciplinary": .string("not-known"), "notes": .string("")]),
            "signOff": .object(["name": .string(""), "role": .string(""), "date": .string("")]),
            "attachments": .array([]),
        ])
    }

    public var json: JSONValue {
        .object([
            "schema": .string(Self.schema), "partnership": .string(partnership), "caseRef": .string(caseRef),
            "agencyId": .string(agencyId), "referred": .string(referred.description), "returnsDue": .string(returnsDue.description),
            "issuedAt": .string(issuedAt.rfc3339(milliseconds: true)), "intakeCertificate": .string(intakeCertificatePEM),
            "intakeCertificateSha256": .string(intakeCertificateSha256),
            "instructions": .string("Fill in the template (docs/scoping-return.md), sign it with your agency signing certificate "
                + "and encrypt it to intakeCertificate, e.g. openssl cms -sign -binary -nodetach -in return.json -signer agency.crt "
                + "-inkey agency.key -outform DER | openssl cms -encrypt -binary -aes-256-gcm -recip intake.crt -outform DER "
                + "-out return.p7m; then deliver return.p7m by \(returnsDue)."),
            "template": template,
        ])
    }
}
