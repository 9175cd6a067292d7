/// A fast check that bytes are exactly `CanonicalJSON.encode(JSONParser.parse(bytes))`,
/// building no values: one pass over the bytes, no allocation. Used by the audit, which must
/// prove every ledger entry canonical without the cost of parsing it into a tree.
///
/// Canonical here is what `CanonicalJSON` writes (RFC 8785-style): no whitespace; object
/// members strictly increasing by the UTF-16 code units of their names (so no duplicates);
/// strings as valid UTF-8 with only `\"`, `\\`, `\b \t \n \f \r` and `\u00xx` (lowercase hex)
/// for the other control characters as escapes; numbers in the RFC 8259 grammar (written as
/// read); `true`, `false`, `null`.
///
/// The answer is `.unsure` (so the caller parses in full) for anything where the fast path
/// and the parser could disagree: an object member name outside ASCII (the parser compares
/// names as Swift strings, by canonical equivalence), nesting past the parser's limit, more
/// values than it allows, or a number or string longer than its limits.
public enum CanonicalScanner {
    public enum Verdict: Equatable, Sendable {
        case canonical
        case notCanonical
        case unsure
    }

    /// Scans `bytes`; for a canonical top-level object, `topLevel` receives each member name
    /// and its value's byte range (strings without their quotes).
    public static func check(_ bytes: UnsafeRawBufferPointer, limits: JSONParser.Limits = .default,
                             topLevel: ((UnsafeRawBufferPointer, Range<Int>) -> Void)? = nil) -> Verdict {
        if let topLevel { return check(bytes, limits: limits, reportingMembers: true, topLevel) }
        return check(bytes, limits: limits, reportingMembers: false) { _, _ in }
    }

    /// `check` with a non-escaping callback, so that a caller scanning millions of entries
    /// allocates no closure context.
    static func check(_ bytes: UnsafeRawBufferPointer, limits: JSONParser.Limits = .default, reportingMembers: Bool,
                      _ topLevel: (UnsafeRawBufferPointer, Range<Int>) -> Void) -> Verdict {
        var scanner = Scanner(bytes: bytes.bindMemory(to: UInt8.self), limits: limits)
        let verdict = scanner.value(depth: 0, reportingMembers: reportingMembers, topLevel: topLevel)
        guard verdict == .canonical else { return verdict }
        return scanner.index == bytes.count ? .canonical : .notCanonical
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: JSONParser.Limits
        var index = 0
        var values = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        /// A value at `index`; with `reportingMembers`, an object's members go to `topLevel`
        /// (nested values never report).
        mutating func value(depth: Int, reportingMembers: Bool = false,
                            topLevel: (UnsafeRawBufferPointer, Range<Int>) -> Void = { _, _ in }) -> Verdict {
            guard index < bytes.count else { return .notCanonical }
            values += 1
            guard values <= limits.maxValues else { return .unsure }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth + 1, reportingMembers: reportingMembers, topLevel: topLevel)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string(ascii: nil).verdict
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func literal(_ word: StaticString) -> Verdict {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return .notCanonical }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return .notCanonical }
            index += count
            return .canonical
        }

        mutating func object(depth: Int, reportingMembers: Bool, topLevel: (UnsafeRawBufferPointer, Range<Int>) -> Void) -> Verdict {
            guard depth <= limits.maxDepth else { return .unsure }
            index += 1  // {
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .canonical }
            var previous: Range<Int>?
            while true {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return .notCanonical }
                values += 1  // names count too: never fewer than the parser counts
                guard values <= limits.maxValues else { return .unsure }
                let (verdict, name, isASCII) = string(ascii: true)
                guard verdict == .canonical else { return verdict }
                guard isASCII else { return .unsure }
                if let previous {  // strictly increasing (ASCII: bytes order = UTF-16 order)
                    guard lexicographicallyPrecedes(previous, name) else { return .notCanonical }
                }
                previous = name
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return .notCanonical }
                index += 1
                let start = index
                let member = value(depth: depth)
                guard member == .canonical else { return member }
                if reportingMembers {
                    let raw = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[name])
                    let isString = bytes[start] == UInt8(ascii: "\"")
                    topLevel(raw, isString ? (start + 1)..<(index - 1) : start..<index)
                }
                guard index < bytes.count else { return .notCanonical }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .canonical }
                guard bytes[index] == UInt8(ascii: ",") else { return .notCanonical }
                index += 1
            }
        }

        mutating func array(depth: Int) -> Verdict {
            guard depth <= limits.maxDepth else { return .unsure }
            index += 1  // [
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .canonical }
            while true {
                let element = value(depth: depth)
                guard element == .canonical else { return element }
                guard index < bytes.count else { return .notCanonical }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .canonical }
                guard bytes[index] == UInt8(ascii: ",") else { return .notCanonical }
                index += 1
            }
        }

        func lexicographicallyPrecedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
            var i = a.lowerBound, j = b.lowerBound
            while i < a.upperBound && j < b.upperBound {
                if bytes[i] != bytes[j] { return bytes[i] < bytes[j] }
                i += 1
                j += 1
            }
            return a.count < b.count
        }

        /// A canonical string at `index`; returns the range of its contents (between the quotes)
        /// and whether every byte is printable ASCII without escapes (member names).
        mutating func string(ascii: Bool?) -> (verdict: Verdict, contents: Range<Int>, isASCII: Bool) {
            index += 1  // "
            let start = index
            var plain = true
            while index < bytes.count {
                // Eight bytes at a time while they are printable ASCII other than `"` and `\`
                // (the `index += 1` case below); then straight to the first byte that is not.
                if index &+ 8 <= bytes.count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
                    let special = Self.specialBytes(word)
                    if special == 0 {
                        index += 8
                        continue
                    }
                    index += special.trailingZeroBitCount >> 3
                }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    let contents = start..<index
                    index += 1
                    guard contents.count <= limits.maxStringBytes else { return (.unsure, contents, plain) }
                    return (.canonical, contents, plain)
                case UInt8(ascii: "\\"):
                    plain = false
                    guard index + 1 < bytes.count else { return (.notCanonical, start..<index, false) }
                    switch bytes[index + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"),
                         UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "r"):
                        index += 2
                    case UInt8(ascii: "u"):
                        // Only \u00xx for a control character without a short form, lowercase hex.
                        guard index + 5 < bytes.count, bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0"),
                              let high = Self.lowerHex(bytes[index + 4]), let low = Self.lowerHex(bytes[index + 5]),
                              high <= 1
                        else { return (.notCanonical, start..<index, false) }
                        let value = high << 4 | low
                        if [0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(value) { return (.notCanonical, start..<index, false) }
                        index += 6
                    default:
                        return (.notCanonical, start..<index, false)
                    }
                case 0x00..<0x20:
                    return (.notCanonical, start..<index, false)
                case 0x20..<0x80:
                    index += 1
                default:
                    plain = false
                    guard let next = StrictUTF8.sequence(bytes, at: index)?.end else { return (.notCanonical, start..<index, false) }
                    index = next
                }
            }
            return (.notCanonical, start..<index, false)
        }

        /// A mask whose lowest set bit lies in the first byte (in memory order) of `word` that is
        /// below 0x20, 0x80 or above, `"` or `\`; zero when there is none. The "has a byte
        /// below n" test, `(x - n·0x01…) & ~x & 0x80…` (n = 1: a zero byte), flags the lowest
        /// such byte exactly (no borrow reaches it); the flags above it may be spurious, and
        /// only the lowest is used.
        @inline(__always)
        static func specialBytes(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
            let control = (word &- ones &* 0x20) & ~word & highs  // bytes below 0x20
            return control | (word & highs) | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
        }

        static func lowerHex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }

        /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, written as read.
        mutating func number() -> Verdict {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { return .notCanonical }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, Self.isDigit(bytes[index]) else { return .notCanonical }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, Self.isDigit(bytes[index]) else { return .notCanonical }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            return index - start <= limits.maxNumberLength ? .canonical : .unsure
        }

        static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    }
}
