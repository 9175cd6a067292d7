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

    /// The blank `scoping-return/v1` for the case and agency (docs/scoping-return.md, "A blank
    /// return"): every member present, `null` where nothing is known, no empty rows. Sealed
    /// unchanged it is a valid, incomplete return.
    public var template: JSONValue { ScopingReturn.template(caseRef: caseRef, agencyId: agencyId) }

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
