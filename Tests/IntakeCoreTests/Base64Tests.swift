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
}
