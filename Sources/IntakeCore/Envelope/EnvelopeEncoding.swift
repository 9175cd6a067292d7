/// The three encodings an envelope may arrive in (DESIGN §3): DER (or BER), PEM
/// (RFC 7468 `CMS` or `PKCS7` label) and S/MIME (RFC 8551 `application/pkcs7-mime`).
public enum EnvelopeEncoding: String, Sendable, Equatable {
    case der, pem, smime

    /// Tells the encoding from the first bytes; nil when it is none of the three.
    public static func sniff(_ bytes: [UInt8]) -> EnvelopeEncoding? {
        sniff(prefix: bytes.prefix(8192))
    }

    public static func sniff(prefix: ArraySlice<UInt8>) -> EnvelopeEncoding? {
        guard let first = prefix.first else { return nil }
        if first == 0x30 { return .der }
        let text = String(decoding: prefix.prefix(4096), as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\t" }
        if trimmed.hasPrefix("-----BEGIN CMS-----") || trimmed.hasPrefix("-----BEGIN PKCS7-----") {
            return .pem
        }
        // An RFC 5322 header block naming a PKCS #7 MIME type.
        let lower = text.lowercased()
        if lower.contains("content-type:") &&
            (lower.contains("application/pkcs7-mime") || lower.contains("application/x-pkcs7-mime")) {
            return .smime
        }
        return nil
    }
}

extension EnvelopeEncoding {
    /// The DER (or BER) bytes inside a PEM or S/MIME envelope; `bytes` unchanged for DER.
    /// nil when the PEM armour or MIME entity is not well formed.
    ///
    /// RFC 7468 §2: "-----BEGIN label-----", base64 lines, "-----END label-----".
    /// RFC 8551 §3.2: an `application/pkcs7-mime` entity, normally with
    /// `Content-Transfer-Encoding: base64`; the body follows the first empty line.
    public func der(from bytes: [UInt8]) -> [UInt8]? {
        switch self {
        case .der:
            return bytes
        case .pem:
            let text = String(decoding: bytes, as: UTF8.self)
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                .map { $0.trimmingSuffix(while: { $0 == "\r" || $0 == " " || $0 == "\t" }) }
            guard let begin = lines.firstIndex(where: { $0 == "-----BEGIN CMS-----" || $0 == "-----BEGIN PKCS7-----" }) else { return nil }
            let label = lines[begin].dropFirst(11).dropLast(5)
            guard let end = lines[begin...].firstIndex(of: "-----END \(label)-----") else { return nil }
            guard lines[(end + 1)...].allSatisfy({ $0.isEmpty }) else { return nil }
            return Base64.decode(lines[(begin + 1)..<end].joined(), ignoringWhitespace: true)
        case .smime:
            guard let split = Self.headerEnd(bytes) else { return nil }
            let headers = Self.unfoldedHeaders(bytes[..<split.headers])
            guard let type = headers["content-type"],
                  type.hasPrefix("application/pkcs7-mime") || type.hasPrefix("application/x-pkcs7-mime")
            else { return nil }
            let body = Array(bytes[split.body...])
            switch headers["content-transfer-encoding"] ?? "7bit" {
            case "base64":
                return Base64.decode(String(decoding: body, as: UTF8.self), ignoringWhitespace: true)
            case "binary":
                return body
            default:
                return nil
            }
        }
    }

    /// Where the header block ends (CRLF CRLF or LF LF) and the body begins.
    private static func headerEnd(_ bytes: [UInt8]) -> (headers: Int, body: Int)? {
        var index = 0
        let limit = min(bytes.count, 65_536)
        while index + 1 < limit {
            if bytes[index] == 0x0a && bytes[index + 1] == 0x0a { return (index, index + 2) }
            if index + 3 < bytes.count, bytes[index] == 0x0d, bytes[index + 1] == 0x0a,
               bytes[index + 2] == 0x0d, bytes[index + 3] == 0x0a { return (index, index + 4) }
            index += 1
        }
        return nil
    }

    /// Header fields by lowercased name, values lowercased and trimmed (RFC 5322 §2.2.3
    /// unfolding); for a repeated field the first wins.
    private static func unfoldedHeaders(_ block: ArraySlice<UInt8>) -> [String: String] {
        var fields: [String: String] = [:]
        var current: String?
        for raw in String(decoding: block, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.trimmingSuffix(while: { $0 == "\r" })
            if line.first == " " || line.first == "\t" {
                if let current { fields[current, default: ""] += " " + line.trimmingPrefix(while: { $0 == " " || $0 == "\t" }) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { current = nil; continue }
            let name = line[..<colon].lowercased()
            guard fields[name] == nil else { current = nil; continue }
            fields[name] = String(line[line.index(after: colon)...]).trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            current = name
        }
        return fields.mapValues {
            $0.lowercased().trimmingPrefix(while: { $0 == " " || $0 == "\t" }).trimmingSuffix(while: { $0 == " " || $0 == "\t" })
        }
    }
}

extension StringProtocol {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = Substring(self)
        while let last = text.last, predicate(last) { text = text.dropLast() }
        return String(text)
    }

    func trimmingPrefix(while predicate: (Character) -> Bool) -> String {
        String(self.drop(while: predicate))
    }
}
