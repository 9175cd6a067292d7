/// A bounded reader of ASN.1 BER/DER tag-length-value encodings (ITU-T X.690 §8.1).
///
/// X.690 §8.1.1: "The encoding of a data value shall consist of four components ... the
/// identifier octets, the length octets, the contents octets, the end-of-contents octets"
/// (the last only with the indefinite form, §8.1.3.6). The reader walks one level at a time,
/// never recurses on its own, and rejects lengths that run past the input: it is used on
/// untrusted envelopes to see which algorithms they name before any key is touched.
public struct BERReader: Sendable {
    public struct Element: Sendable, Equatable {
        /// Tag class: 0 universal, 1 application, 2 context-specific, 3 private.
        public var tagClass: UInt8
        public var constructed: Bool
        public var tagNumber: UInt32
        /// The contents octets' range in the reader's bytes (without end-of-contents octets).
        public var contents: Range<Int>
        /// The range of the whole encoding, header and end-of-contents included.
        public var whole: Range<Int>
    }

    public struct Failure: Error, Sendable, Equatable {
        public let offset: Int
    }

    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Reads the element starting at `offset`, bounded by `limit`.
    public func element(at offset: Int, limit: Int? = nil, depth: Int = 0) throws(Failure) -> Element {
        let end = min(limit ?? bytes.count, bytes.count)
        var cursor = offset
        guard cursor < end else { throw Failure(offset: cursor) }
        let identifier = bytes[cursor]
        cursor += 1
        var tagNumber = UInt32(identifier & 0x1f)
        if tagNumber == 0x1f {
            tagNumber = 0
            var count = 0
            while true {
                guard cursor < end, count < 4 else { throw Failure(offset: cursor) }
                let byte = bytes[cursor]
                cursor += 1
                count += 1
                tagNumber = tagNumber << 7 | UInt32(byte & 0x7f)
                if byte & 0x80 == 0 { break }
            }
        }
        let constructed = identifier & 0x20 != 0
        guard cursor < end else { throw Failure(offset: cursor) }
        let first = bytes[cursor]
        cursor += 1
        if first == 0x80 {
            // Indefinite form: constructed only; contents run to a matching end-of-contents.
            guard constructed, depth < 64 else { throw Failure(offset: cursor - 1) }
            let start = cursor
            while true {
                guard cursor + 1 < end else { throw Failure(offset: cursor) }
                if bytes[cursor] == 0 && bytes[cursor + 1] == 0 {
                    return Element(tagClass: identifier >> 6, constructed: true, tagNumber: tagNumber,
                                   contents: start..<cursor, whole: offset..<(cursor + 2))
                }
                cursor = try element(at: cursor, limit: end, depth: depth + 1).whole.upperBound
            }
        }
        var length = 0
        if first & 0x80 == 0 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4, cursor + count <= end else { throw Failure(offset: cursor) }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard length <= end - cursor else { throw Failure(offset: cursor) }
        return Element(tagClass: identifier >> 6, constructed: constructed, tagNumber: tagNumber,
                       contents: cursor..<(cursor + length), whole: offset..<(cursor + length))
    }

    /// The children of a constructed element, in order.
    public func children(of parent: Element, maxCount: Int = 4096) throws(Failure) -> [Element] {
        guard parent.constructed else { throw Failure(offset: parent.whole.lowerBound) }
        var result: [Element] = []
        var cursor = parent.contents.lowerBound
        while cursor < parent.contents.upperBound {
            guard result.count < maxCount else { throw Failure(offset: cursor) }
            let child = try element(at: cursor, limit: parent.contents.upperBound)
            result.append(child)
            cursor = child.whole.upperBound
        }
        return result
    }

    /// The dotted text of an OBJECT IDENTIFIER element (X.690 §8.19).
    public func objectIdentifier(_ element: Element) throws(Failure) -> String {
        guard element.tagClass == 0, element.tagNumber == 6, !element.constructed,
              !element.contents.isEmpty, element.contents.count <= 64
        else { throw Failure(offset: element.whole.lowerBound) }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var fresh = true
        for index in element.contents {
            let byte = bytes[index]
            if fresh && byte == 0x80 { throw Failure(offset: index) }  // non-minimal
            guard value < (1 << 56) else { throw Failure(offset: index) }
            value = value << 7 | UInt64(byte & 0x7f)
            fresh = byte & 0x80 == 0
            if fresh {
                arcs.append(value)
                value = 0
            }
        }
        guard fresh else { throw Failure(offset: element.contents.upperBound) }
        let first = arcs[0]
        let head: [UInt64] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }
}
