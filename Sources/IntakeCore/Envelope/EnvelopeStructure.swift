/// What an envelope's outer CMS structure says about itself, read before any key is used.
///
/// RFC 5652 §3: `ContentInfo ::= SEQUENCE { contentType ContentType,
///   content [0] EXPLICIT ANY DEFINED BY contentType }`.
/// RFC 5652 §6.1: `EnvelopedData ::= SEQUENCE { version CMSVersion,
///   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL, recipientInfos RecipientInfos,
///   encryptedContentInfo EncryptedContentInfo, unprotectedAttrs [1] IMPLICIT ... OPTIONAL }`.
/// RFC 5083 §2.1: `AuthEnvelopedData ::= SEQUENCE { version CMSVersion,
///   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL, recipientInfos RecipientInfos,
///   authEncryptedContentInfo EncryptedContentInfo, authAttrs [1] IMPLICIT ... OPTIONAL,
///   mac MessageAuthenticationCode, unauthAttrs [2] IMPLICIT ... OPTIONAL }`.
/// RFC 5652 §6.1: `EncryptedContentInfo ::= SEQUENCE { contentType ContentType,
///   contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
///   encryptedContent [0] IMPLICIT EncryptedContent OPTIONAL }`.
public struct EnvelopeStructure: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case enveloped = "EnvelopedData"
        case authEnveloped = "AuthEnvelopedData"
    }

    public var kind: Kind
    /// The dotted OID of the content-encryption algorithm.
    public var contentEncryptionAlgorithm: String
    public var recipientCount: Int

    public static let oidEnvelopedData = "1.2.840.113549.1.7.3"
    public static let oidAuthEnvelopedData = "1.2.840.113549.1.9.16.1.23"

    /// Reads the structure of a BER/DER `ContentInfo`; nil when it is not an (Auth)EnvelopedData
    /// laid out as the RFCs say.
    public static func read(_ der: [UInt8]) -> EnvelopeStructure? {
        let reader = BERReader(der)
        do {
            let contentInfo = try reader.element(at: 0)
            guard contentInfo.whole.upperBound <= der.count, isSequence(contentInfo) else { return nil }
            let parts = try reader.children(of: contentInfo, maxCount: 2)
            guard parts.count == 2 else { return nil }
            let kind: Kind
            switch try reader.objectIdentifier(parts[0]) {
            case oidEnvelopedData: kind = .enveloped
            case oidAuthEnvelopedData: kind = .authEnveloped
            default: return nil
            }
            guard parts[1].tagClass == 2, parts[1].tagNumber == 0, parts[1].constructed else { return nil }
            let wrapped = try reader.children(of: parts[1], maxCount: 1)
            guard wrapped.count == 1, isSequence(wrapped[0]) else { return nil }
            let fields = try reader.children(of: wrapped[0], maxCount: 8)
            var index = 1  // after version
            guard fields.count > index + 1, fields[0].tagNumber == 2, fields[0].tagClass == 0 else { return nil }
            if fields[index].tagClass == 2 && fields[index].tagNumber == 0 { index += 1 }  // originatorInfo
            guard index + 1 < fields.count, fields[index].tagClass == 0, fields[index].tagNumber == 17 else { return nil }
            let recipients = try reader.children(of: fields[index])
            let encryptedContentInfo = fields[index + 1]
            guard isSequence(encryptedContentInfo) else { return nil }
            let eci = try reader.children(of: encryptedContentInfo, maxCount: 3)
            guard eci.count >= 2, isSequence(eci[1]) else { return nil }
            let algorithm = try reader.children(of: eci[1], maxCount: 2)
            guard let first = algorithm.first else { return nil }
            return EnvelopeStructure(kind: kind,
                                     contentEncryptionAlgorithm: try reader.objectIdentifier(first),
                                     recipientCount: recipients.count)
        } catch {
            return nil
        }
    }

    private static func isSequence(_ element: BERReader.Element) -> Bool {
        element.tagClass == 0 && element.tagNumber == 16 && element.constructed
    }
}
