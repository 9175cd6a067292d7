import Testing
@testable import IntakeCore

@Suite struct Base64Tests {
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test(arguments: ["Zg", "Zh==", "Zm9=", "Zm=v", "Z===", "Zm9v!", "Zg==Zg==", "Zm8=\n"])
    func rejectsNonCanonical(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test func whitespaceOnlyWhenAsked() {
        #expect(Base64.decode("Zm9v\nYmFy", ignoringWhitespace: true) == Array("foobar".utf8))
        #expect(Base64.decode("Zm9v\nYmFy") == nil)
    }

    @Test func allByteValuesRoundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        for length in 0..<10 {
            let slice = Array(bytes[length...])
            #expect(Base64.decode(Base64.encode(slice)) == slice)
        }
    }

    /// The word-at-a-time loop and the last group agree with a byte-at-a-time reading: every
    /// length round-trips, and a character outside the alphabet at any position (every byte
    /// value that is not one) is refused.
    @Test func everyPositionAndEveryInvalidCharacter() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
        let invalid = (0...255).map(UInt8.init).filter { !alphabet.contains($0) }
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }
            let text = Array(Base64.encode(bytes).utf8)
            #expect(text.withUnsafeBufferPointer { Base64.decode(utf8: $0) } == bytes)
            for position in text.indices {
                for bad in [invalid[position % invalid.count], 0x00, 0x80, 0xff] {
                    var broken = text
                    broken[position] = bad
                    #expect(broken.withUnsafeBufferPointer { Base64.decode(utf8: $0) } == nil, "length \(length) at \(position): \(bad)")
                }
            }
        }
    }
}

@Suite struct Base64PiecesTests {
    @Test(arguments: [0, 1, 2, 3, 4, 5, 47, 48, 49, 100, 1000])
    func piecesAgreeWithWholeDecoding(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let text = Base64.encode(bytes)
        for chunk in [3, 6, 48, 96, 4096] {
            var collected: [UInt8] = []
            let count = Base64.decodeInPieces(text, chunk: chunk) { collected.append(contentsOf: $0) }
            #expect(count == length)
            #expect(collected == bytes)
        }
    }

    /// Padding is only valid at the very end, not at the end of a piece.
    @Test(arguments: ["Zg==Zm9v", "Zm8=Zm9v", "Zg==", "Zm9v!A==", "Zg=", "Zm9vYmFy"])
    func piecesRejectWhatWholeDecodingRejects(text: String) {
        for chunk in [3, 6, 48] {
            #expect((Base64.decodeInPieces(text, chunk: chunk) { _ in } != nil) == (Base64.decode(text) != nil), "\(text) chunk \(chunk)")
        }
    }
}
