import Testing
@testable import IntakeCore

@Suite struct HashingTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func sha256KnownAnswers(input: String, expected: String) {
        #expect(SHA256.hex(Array(input.utf8)) == expected)
        #expect(Hex.encode(SHA256.hash(parts: input.utf8.map { [$0] })) == expected)
    }

    @Test func hexRoundTrip() {
        let bytes: [UInt8] = [0, 1, 0xab, 0xff]
        #expect(Hex.encode(bytes) == "0001abff")
        #expect(Hex.decode("0001ABff") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.isSHA256(String(repeating: "a", count: 64)))
        #expect(!Hex.isSHA256(String(repeating: "A", count: 64)))
    }
}
