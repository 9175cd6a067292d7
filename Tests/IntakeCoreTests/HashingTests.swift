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

    @Test func oneShotAndIncrementalHashesAgree() {
        let hasher = SHA256Hasher()
        for length in [0, 1, 55, 56, 63, 64, 65, 143, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let expected = SHA256.hash(parts: [bytes])
            #expect(bytes.withUnsafeBytes { SHA256.hash(buffer: $0) } == expected)
            hasher.reset()
            bytes.withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize() == expected)
        }
    }

    /// The allocation-free leaf and node digests are RFC 9162's, and a digest matches exactly
    /// its own 32 bytes.
    @Test func inlineDigestsAreTheMerkleHashes() {
        let hasher = SHA256Hasher()
        var previous = SHA256Digest()
        for length in [0, 1, 31, 32, 143, 300] {
            let entry = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ length) }
            let leaf = entry.withUnsafeBytes { hasher.leafDigest($0) }
            #expect(leaf.bytes == MerkleHashing.leafHash(entry))
            #expect(entry.withUnsafeBytes { hasher.leafHash($0) } == MerkleHashing.leafHash(entry))
            let node = hasher.nodeDigest(previous, leaf)
            #expect(node.bytes == MerkleHashing.nodeHash(previous.bytes, leaf.bytes))
            #expect(leaf.bytes.withUnsafeBytes { SHA256Digest($0) } == leaf)
            #expect(leaf.bytes.withUnsafeBytes { leaf.matches($0) })
            for index in 0..<32 {
                var other = leaf.bytes
                other[index] ^= 0x01
                #expect(!other.withUnsafeBytes { leaf.matches($0) })
            }
            #expect(!Array(leaf.bytes.dropLast()).withUnsafeBytes { leaf.matches($0) })
            #expect(!(leaf.bytes + [0]).withUnsafeBytes { leaf.matches($0) })
            #expect([UInt8]().withUnsafeBytes { SHA256Digest($0) } == nil)
            #expect(node != leaf)
            previous = node
        }
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
