/// A ZIP archive built in memory, every entry stored (method 0, no compression): what the
/// meeting pack is before it is encrypted, so that no plaintext ever reaches a disk.
///
/// PKWARE APPNOTE 6.3.10: each entry is a local file header (§4.3.7, signature 0x04034b50)
/// followed by its data; then a central directory header per entry (§4.3.12, 0x02014b50) and
/// the end of central directory record (§4.3.16, 0x06054b50). Names are UTF-8 (general purpose
/// bit 11). Sizes and offsets are 32-bit: an archive over 4 GiB, or of more than 65,535
/// entries, is refused (ZIP64 is not needed for a meeting pack). Output is deterministic for
/// the same entries and time.
public struct ZipArchive: Sendable {
    public struct Failure: Error, Sendable, Equatable {
        public let code: String
        public let message: String
    }

    private var bytes: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0
    private var names = Set<String>()
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// Every entry gets `modified` (UTC) as its time.
    public init(modified: UTCInstant) {
        let (date, seconds) = (modified.utcDate, Int(modified.secondsSinceEpoch % 86_400 + 86_400) % 86_400)
        dosTime = UInt16((seconds / 3600) << 11 | (seconds % 3600 / 60) << 5 | (seconds % 60) / 2)
        dosDate = UInt16(max(0, date.year - 1980) << 9 | date.month << 5 | date.day)
    }

    /// Adds a file. Names are relative, `/`-separated, without `..`, and unique.
    public mutating func add(_ name: String, _ data: [UInt8]) throws(Failure) {
        let nameBytes = Array(name.utf8)
        guard !name.isEmpty, nameBytes.count <= 0xFFFF, !name.hasPrefix("/"), !name.split(separator: "/").contains(".."),
              !name.contains("\\"), !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw Failure(code: "bad-name", message: "not a safe entry name")
        }
        guard names.insert(name).inserted else { throw Failure(code: "duplicate-name", message: "\(name) is already in the archive") }
        guard count < 0xFFFF, data.count < 0xFFFF_FFFF, bytes.count + data.count + nameBytes.count + 30 < 0xFFFF_FFFF else {
            throw Failure(code: "too-large", message: "the archive would need ZIP64")
        }
        let crc = CRC32.checksum(data)
        let offset = UInt32(bytes.count)
        // Local file header.
        bytes += le32(0x0403_4b50) + le16(20) + le16(0x0800) + le16(0) + le16(dosTime) + le16(dosDate)
        bytes += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(nameBytes.count)) + le16(0)
        bytes += nameBytes
        bytes += data
        // Its central directory header.
        central += le32(0x0201_4b50) + le16(0x0314) + le16(20) + le16(0x0800) + le16(0) + le16(dosTime) + le16(dosDate)
        central += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(nameBytes.count))
        central += le16(0) + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16) + le32(offset)
        central += nameBytes
        count += 1
    }

    /// The whole archive.
    public func finish() -> [UInt8] {
        let end = le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(count)) + le16(UInt16(count))
            + le32(UInt32(central.count)) + le32(UInt32(bytes.count)) + le16(0)
        return bytes + central + end
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}

/// CRC-32 (ISO 3309, the reflected polynomial 0xEDB88320), as ZIP uses it.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func checksum(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
