import IntakeCore
import Testing

/// File names are bytes (issue 12, item 4): escaped to visible text that maps back exactly.
@Suite struct EscapedNameTests {
    @Test(arguments: [
        (Array("return.p7m".utf8), "return.p7m"),
        (Array("Schule Überlingen.p7m".utf8), "Schule Überlingen.p7m"),
        ([0x72, 0xFF, 0xFE], "r\\xFF\\xFE"),
        ([0xC0, 0xAF], "\\xC0\\xAF"),                       // an overlong "/"
        ([0xED, 0xA0, 0x80], "\\xED\\xA0\\x80"),             // a surrogate
        (Array("a\\b".utf8), "a\\\\b"),
        (Array("line\nbreak\u{7F}".utf8), "line\\x0Abreak\\x7F"),
        (Array("report\u{202E}gnp.exe".utf8), "report\\u{202E}gnp.exe"),
        (Array("x\u{2066}y\u{200F}\u{85}".utf8), "x\\u{2066}y\\u{200F}\\u{0085}"),
    ])
    func escapesAndMapsBack(bytes: [UInt8], escaped: String) {
        #expect(EscapedName.escape(bytes) == escaped)
        #expect(EscapedName.unescape(escaped) == bytes)
        #expect(EscapedName.cString(escaped).last == 0)
    }

    @Test func everyByteStringRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...24, using: &generator)).map { _ in UInt8.random(in: 1...255, using: &generator) }
            let escaped = EscapedName.escape(bytes)
            #expect(EscapedName.unescape(escaped) == bytes, "\(bytes)")
            #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || EscapedName.isDeceptive($0) })
        }
    }
}
