/// What the ledger audit learns from an entry's bytes without parsing them into a tree or
/// building a string: whether they are canonical JSON (`CanonicalScanner`), and for a
/// canonical top-level object its `kind`, whether its `at` is an instant, and where the
/// value of its `envelopeSha256` lies. No allocation.
///
/// Each answer is exactly what the audit computed before from strings:
/// `Kind(rawValue: String(decoding: value))`, `UTCInstant(rfc3339: String(decoding: value)) != nil`
/// and `String(decoding: value)`, where `value` is a member's raw bytes (a string's contents
/// between its quotes, escapes as written). A member of a canonical entry is valid UTF-8, so
/// decoding changes no byte; the kinds are ASCII, and no other string is equal to an ASCII
/// one (Swift compares by canonical equivalence, and no character decomposes to ASCII
/// letters or `-`), so bytes compare as the strings did.
public struct LedgerEntryScan: Sendable {
    /// `CanonicalScanner`'s verdict on the whole entry.
    public var verdict: CanonicalScanner.Verdict
    /// The `kind` member, when it names a known kind.
    public var kind: LedgerEvent.Kind?
    /// True when the `at` member is an instant `UTCInstant(rfc3339:)` accepts.
    public var atIsInstant = false
    /// The bytes of the `envelopeSha256` member's value (a string's contents), when present.
    public var envelopeSha256: Range<Int>?

    /// Scans one entry. `kind`, `atIsInstant` and `envelopeSha256` mean something only when
    /// `verdict` is `.canonical`.
    public init(_ entry: UnsafeRawBufferPointer) {
        var kind: LedgerEvent.Kind?, atIsInstant = false, envelope: Range<Int>?
        verdict = CanonicalScanner.check(entry, reportingMembers: true) { name, range in
            let value = UnsafeRawBufferPointer(rebasing: entry[range])
            switch name.count {
            case 4 where Self.equal(name, "kind"):
                kind = LedgerEvent.Kind(utf8: value)
            case 2 where Self.equal(name, "at"):
                atIsInstant = Self.isInstant(value)
            case 14 where Self.equal(name, "envelopeSha256"):
                envelope = range
            default:
                break
            }
        }
        self.kind = kind
        self.atIsInstant = atIsInstant
        self.envelopeSha256 = envelope
    }

    /// Byte equality with an ASCII literal.
    static func equal(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        for offset in 0..<bytes.count where bytes[offset] != literal.utf8Start[offset] { return false }
        return true
    }

    /// Exactly `UTCInstant(rfc3339: String(decoding: bytes, as: UTF8.self)) != nil`, for the
    /// bytes of a member of a canonical entry (valid UTF-8): `YYYY-MM-DDTHH:MM:SSZ` or
    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, a real date in 1900...9999, hour < 24, minute and
    /// second < 60. (Any non-ASCII byte fails a digit or separator test, as it does there.)
    public static func isInstant(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard count == 20 || count == 24,
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2),
              LocalDate.parsableYears.contains(year), LocalDate(year: year, month: month, day: day) != nil,
              bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              bytes[count - 1] == UInt8(ascii: "Z"),
              let hour = digits(bytes, 11, 2), hour < 24,
              let minute = digits(bytes, 14, 2), minute < 60,
              let second = digits(bytes, 17, 2), second < 60
        else { return false }
        if count == 24 {
            guard bytes[19] == UInt8(ascii: "."), digits(bytes, 20, 3) != nil else { return false }
        }
        return true
    }

    /// The decimal number in `count` ASCII digits at `start`; nil if any is not a digit.
    @inline(__always)
    static func digits(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for offset in start..<(start + count) {
            let byte = bytes[offset]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}

extension LedgerEvent.Kind {
    /// The kind whose raw value is exactly these bytes (what `init(rawValue:)` answers for
    /// the same text, without building a string).
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        for (kind, name) in Self.utf8Names where name.count == bytes.count {
            let same = name.withUnsafeBufferPointer { name in
                for offset in 0..<name.count where name[offset] != bytes[offset] { return false }
                return true
            }
            if same {
                self = kind
                return
            }
        }
        return nil
    }

    /// The raw values' bytes, made once (`allCases` builds a new array on every call).
    static let utf8Names: [(LedgerEvent.Kind, [UInt8])] = allCases.map { ($0, Array($0.rawValue.utf8)) }
}
