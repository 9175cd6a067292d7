extension ScopingReturn {
    /// One embedded attachment: `{name, mediaType, sha256, dataBase64}`, all four required.
    ///
    /// - `name`: a plain file name, 1...200 characters: no `/`, `\`, `:`, `..`, no control
    ///   characters, not starting with `.` (it becomes a file name in the meeting pack).
    /// - `mediaType`: `type/subtype` (RFC 6838 §4.2 restricted-name characters, no parameters).
    /// - `sha256`: 64 lowercase hex digits, the SHA-256 of the decoded data.
    /// - `dataBase64`: the data in canonical base64 (RFC 4648 §4, padded, no line breaks).
    ///
    /// A hash that does not match the data leaves the return valid but incomplete
    /// (`attachment-hash-mismatch:<index>`): the agency can resend the right file.
    public struct Attachment: Sendable, Equatable {
        public var name: String
        public var mediaType: String
        /// The declared SHA-256, lowercase hex.
        public var sha256: String
        /// The data as sent: canonical base64. The decoded bytes are not held (a large
        /// attachment would double the memory a return takes); `data` decodes on demand.
        public private(set) var dataBase64: String
        /// The actual SHA-256 of the decoded data, lowercase hex, and its length.
        public private(set) var dataSHA256: String
        public private(set) var byteCount: Int

        public init(name: String, mediaType: String, sha256: String, data: [UInt8]) {
            self.name = name
            self.mediaType = mediaType
            self.sha256 = sha256
            dataBase64 = Base64.encode(data)
            dataSHA256 = SHA256.hex(data)
            byteCount = data.count
        }

        /// An attachment whose `sha256` is computed from `data`.
        public init(name: String, mediaType: String, data: [UInt8]) {
            self.init(name: name, mediaType: mediaType, sha256: SHA256.hex(data), data: data)
        }

        /// An attachment read from its canonical base64 text, hashed while decoded in pieces;
        /// nil when the text is not canonical base64.
        public init?(name: String, mediaType: String, sha256: String, dataBase64: String) {
            let hasher = SHA256Hasher()
            guard let count = Base64.decodeInPieces(dataBase64, { hasher.update(UnsafeRawBufferPointer($0)) }) else { return nil }
            self.name = name
            self.mediaType = mediaType
            self.sha256 = sha256
            self.dataBase64 = dataBase64
            dataSHA256 = hasher.finalizeHex()
            byteCount = count
        }

        /// The decoded data.
        public var data: [UInt8] {
            get { Base64.decode(dataBase64) ?? [] }
            set {
                dataBase64 = Base64.encode(newValue)
                dataSHA256 = SHA256.hex(newValue)
                byteCount = newValue.count
            }
        }

        /// The data hashes to the declared `sha256`.
        public var matchesHash: Bool { dataSHA256 == sha256 }

        /// True for a name that is safe as a file name: 1...200 scalars, none of them a control
        /// character, `/`, `\` or `:`, no `..`, and no leading `.`.
        public static func isSafeName(_ name: String) -> Bool {
            let scalars = name.unicodeScalars
            guard let first = scalars.first, first != ".", scalars.count <= ScopingReturn.Limits.lineLength
            else { return false }
            var previous: Unicode.Scalar = first
            for scalar in scalars.dropFirst() {
                if scalar == ".", previous == "." { return false }
                previous = scalar
            }
            return !scalars.contains { $0 == "/" || $0 == "\\" || $0 == ":" || ScopingReturn.isControl($0) }
        }

        /// True for `type/subtype` made of RFC 6838 restricted-name characters:
        /// `^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`.
        public static func isMediaType(_ text: String) -> Bool {
            let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            guard parts.count == 2 else { return false }
            return parts.allSatisfy { part in
                guard let first = part.first, (1...127).contains(part.count), isAlphanumeric(first) else { return false }
                return part.allSatisfy { isAlphanumeric($0) || Array("!#$&^_.+-".utf8).contains($0) }
            }
        }

        private static func isAlphanumeric(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
        }
    }
}
