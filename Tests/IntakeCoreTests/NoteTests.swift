import Foundation
import Testing
@testable import IntakeCore

/// The code of the `NoteError` that `body` throws; nil when it throws nothing.
private func errorCode(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as NoteError {
        return error.code
    } catch {
        return "not a NoteError: \(error)"
    }
}

private func vector(_ name: String) throws -> [UInt8] {
    let url = Bundle.module.url(forResource: "Vectors", withExtension: nil)!
        .appendingPathComponent("signed-note").appendingPathComponent(name)
    return [UInt8](try Data(contentsOf: url))
}

/// A syntactically valid signature: key ID then 64 bytes, as Ed25519 would give.
private let fakeSignature = Base64.encode([UInt8](repeating: 0xAB, count: 4) + [UInt8](repeating: 0x5A, count: 64))

// MARK: - Signed notes and verifier keys

@Suite struct SignedNoteTests {
    @Test func exampleNoteParsesAndRoundTrips() throws {
        let bytes = try vector("example.note")
        let note = try SignedNote.parse(bytes: bytes)
        #expect(note.text == "This is an example message.\n")
        #expect(note.signedMessage == Array("This is an example message.\n".utf8))
        #expect(note.signatures.count == 1)
        let signature = try #require(note.signatures.first)
        #expect(signature.name == "example.com/foo")
        #expect(Hex.encode(signature.keyID) == "530d903a")
        #expect(signature.keyIDValue == 0x530d_903a)
        #expect(signature.signature.count == 64)
        #expect(Array(note.format().utf8) == bytes)
        #expect(try SignedNote.parse(String(decoding: bytes, as: UTF8.self)) == note)
    }

    @Test func exampleVerifierKey() throws {
        let file = try vector("example.vkey")
        #expect(file.last == UInt8(ascii: "\n"))
        let text = String(decoding: file.dropLast(), as: UTF8.self)
        let key = try NoteVerifierKey.parse(text)
        #expect(key.name == "example.com/foo")
        #expect(Hex.encode(key.keyID) == "530d903a")
        #expect(key.type == NoteVerifierKey.ed25519)
        #expect(key.publicKey.count == 32)
        // The key ID is SHA-256(name || 0x0A || 0x01 || key)[:4], computed independently here.
        let independent = Array(SHA256.hash(Array("example.com/foo".utf8) + [0x0A, 0x01] + key.publicKey).prefix(4))
        #expect(key.keyID == independent)
        #expect(NoteVerifierKey.keyID(name: key.name, type: 0x01, publicKey: key.publicKey) == independent)
        #expect(key.format() == text)
        #expect(try NoteVerifierKey(name: "example.com/foo", ed25519PublicKey: key.publicKey) == key)

        let note = try SignedNote.parse(bytes: try vector("example.note"))
        #expect(key.matches(note.signatures[0]))
        #expect(note.signatures(matching: key) == note.signatures)
        let other = try NoteVerifierKey(name: "example.com/bar", ed25519PublicKey: key.publicKey)
        #expect(!other.matches(note.signatures[0]))
        #expect(note.signatures(matching: other).isEmpty)
    }

    @Test func buildAndRoundTrip() throws {
        let a = try NoteSignature(name: "example.com/a", keyID: [1, 2, 3, 4], signature: [UInt8](repeating: 9, count: 64))
        let b = try NoteSignature(name: "witness.example", keyID: [5, 6, 7, 8], signature: [UInt8](repeating: 7, count: 72))
        let note = try SignedNote(text: "line one\n\nline three\n", signatures: [a, b])
        let text = note.format()
        #expect(text.hasPrefix("line one\n\nline three\n\n\u{2014} example.com/a AQIDBAkJ"))
        #expect(try SignedNote.parse(text) == note)
        // A text that itself ends in a blank line still round-trips (the last blank line splits).
        let trailing = try SignedNote(text: "a\n\n", signatures: [a])
        #expect(try SignedNote.parse(trailing.format()) == trailing)
        let minimal = try SignedNote(text: "\n", signatures: [a])
        #expect(try SignedNote.parse(minimal.format()) == minimal)
    }

    /// The text is split from the signatures at the LAST blank line: a blank line inside
    /// what looks like the signature block makes the lines before it part of the text.
    @Test func lastBlankLineSeparates() throws {
        let input = "text\n\n\u{2014} a \(fakeSignature)\n\n\u{2014} b \(fakeSignature)\n"
        let note = try SignedNote.parse(input)
        #expect(note.text == "text\n\n\u{2014} a \(fakeSignature)\n")
        #expect(note.signatures.map(\.name) == ["b"])
        #expect(note.format() == input)
    }

    static let rejected: [(String, String)] = [
        ("text\n\n\u{2014} a \(fakeSignature)", NoteError.noFinalNewline),
        ("", NoteError.noFinalNewline),
        ("text\n\u{2014} a \(fakeSignature)\n", NoteError.noSeparator),
        ("\u{2014} a \(fakeSignature)\n", NoteError.noSeparator),
        ("text\n\n", NoteError.noSignatures),
        ("text\n\n\n", NoteError.noSignatures),
        ("text\n\n\u{2014} a \(fakeSignature)\n\n", NoteError.noSignatures),
        ("text\n\n- a \(fakeSignature)\n", NoteError.signatureLine),
        ("text\n\n\u{2013} a \(fakeSignature)\n", NoteError.signatureLine),  // en dash
        ("text\n\n\u{2014}a \(fakeSignature)\n", NoteError.signatureLine),
        ("text\n\n \u{2014} a \(fakeSignature)\n", NoteError.signatureLine),
        ("text\n\n\u{2014} a\n", NoteError.signatureLine),
        ("text\n\n\u{2014} \(fakeSignature)\n", NoteError.signatureLine),
        ("text\n\n\u{2014}  \(fakeSignature)\n", NoteError.keyName),
        ("text\n\n\u{2014} a+b \(fakeSignature)\n", NoteError.keyName),
        ("text\n\n\u{2014} a\u{00A0}b \(fakeSignature)\n", NoteError.keyName),
        ("text\n\n\u{2014} a\u{3000}b \(fakeSignature)\n", NoteError.keyName),
        ("text\n\n\u{2014} a not-base64!\n", NoteError.signatureBase64),
        ("text\n\n\u{2014} a \(fakeSignature) \n", NoteError.signatureBase64),
        ("text\n\n\u{2014} a  \(fakeSignature)\n", NoteError.signatureBase64),
        ("text\n\n\u{2014} a \(fakeSignature.dropLast())\n", NoteError.signatureBase64),
        ("text\n\n\u{2014} a AQIDBB==\n", NoteError.signatureBase64),  // non-zero padding bits
        ("text\n\n\u{2014} a AAAA\n", NoteError.signatureLength),
        ("text\n\n\u{2014} a AAAAAA==\n", NoteError.signatureLength),
        ("text\n\n\u{2014} a \n", NoteError.signatureLength),
        ("te\txt\n\n\u{2014} a \(fakeSignature)\n", NoteError.controlCharacter),
        ("text\r\n\n\u{2014} a \(fakeSignature)\n", NoteError.controlCharacter),
        ("text\n\n\u{2014} a \(fakeSignature)\r\n", NoteError.controlCharacter),
        ("te\u{0}xt\n\n\u{2014} a \(fakeSignature)\n", NoteError.controlCharacter),
    ]

    @Test(arguments: rejected)
    func rejects(input: String, code: String) {
        #expect(errorCode { _ = try SignedNote.parse(input) } == code, "\(input.debugDescription)")
    }

    @Test func rejectsInvalidUTF8() {
        let bytes = Array("te".utf8) + [0xFF] + Array("xt\n\n\u{2014} a \(fakeSignature)\n".utf8)
        #expect(errorCode { _ = try SignedNote.parse(bytes: bytes) } == NoteError.invalidUTF8)
        let truncatedDash = Array("text\n\n".utf8) + [0xE2, 0x80] + Array(" a \(fakeSignature)\n".utf8)
        #expect(errorCode { _ = try SignedNote.parse(bytes: truncatedDash) } == NoteError.invalidUTF8)
    }

    @Test func limits() throws {
        let line = "\u{2014} a \(fakeSignature)\n"
        // The spec requires accepting at least 16 signatures.
        let sixteen = "text\n\n" + String(repeating: line, count: 16)
        #expect(try SignedNote.parse(sixteen).signatures.count == 16)
        let tooMany = "text\n\n" + String(repeating: line, count: 101)
        #expect(errorCode { _ = try SignedNote.parse(tooMany) } == NoteError.tooManySignatures)
        let small = SignedNote.Limits(maxBytes: 64, maxSignatures: 2, maxTextLines: 2)
        #expect(errorCode { _ = try SignedNote.parse("text\n\n" + line, limits: small) } == NoteError.tooLarge)
        let roomy = SignedNote.Limits(maxBytes: 1_000, maxSignatures: 2, maxTextLines: 2)
        #expect(try SignedNote.parse("a\nb\n\n" + line, limits: roomy).signatures.count == 1)
        #expect(errorCode { _ = try SignedNote.parse("a\nb\nc\n\n" + line, limits: roomy) } == NoteError.tooManyLines)
        #expect(errorCode { _ = try SignedNote.parse("a\n\n" + line + line + line, limits: roomy) } == NoteError.tooManySignatures)
        let huge = String(repeating: "x", count: 1 << 20) + "\n\n" + line
        #expect(errorCode { _ = try SignedNote.parse(huge) } == NoteError.tooLarge)
    }

    @Test func constructionIsValidated() {
        let sig = try? NoteSignature(name: "a", keyID: [1, 2, 3, 4], signature: [1])
        #expect(sig != nil)
        #expect(errorCode { _ = try NoteSignature(name: "", keyID: [1, 2, 3, 4], signature: [1]) } == NoteError.keyName)
        #expect(errorCode { _ = try NoteSignature(name: "a b", keyID: [1, 2, 3, 4], signature: [1]) } == NoteError.keyName)
        #expect(errorCode { _ = try NoteSignature(name: "a+b", keyID: [1, 2, 3, 4], signature: [1]) } == NoteError.keyName)
        #expect(errorCode { _ = try NoteSignature(name: "a\nb", keyID: [1, 2, 3, 4], signature: [1]) } == NoteError.keyName)
        #expect(errorCode { _ = try NoteSignature(name: "a", keyID: [1, 2, 3], signature: [1]) } == NoteError.keyID)
        #expect(errorCode { _ = try NoteSignature(name: "a", keyID: [1, 2, 3, 4], signature: []) } == NoteError.signatureLength)
        guard let sig else { return }
        #expect(errorCode { _ = try SignedNote(text: "no newline", signatures: [sig]) } == NoteError.noFinalNewline)
        #expect(errorCode { _ = try SignedNote(text: "", signatures: [sig]) } == NoteError.noFinalNewline)
        #expect(errorCode { _ = try SignedNote(text: "tab\there\n", signatures: [sig]) } == NoteError.controlCharacter)
        #expect(errorCode { _ = try SignedNote(text: "text\n", signatures: []) } == NoteError.noSignatures)
    }

    static let exampleKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    static let exampleKeyBytes = Base64.decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")!

    static let rejectedKeys: [(String, String)] = [
        ("example.com/foo530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.verifierKey),
        ("example.com/foo", NoteError.verifierKey),
        ("", NoteError.verifierKey),
        ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyName),
        ("example com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyName),
        (" example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyName),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyID),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyID),
        ("example.com/foo+530d903a0+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyID),
        ("example.com/foo+530d903g+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyID),
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyIDMismatch),
        ("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyIDMismatch),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n", NoteError.keyBase64),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", NoteError.keyBase64),
        ("example.com/foo+530d903a+", NoteError.keyBase64),
        ("example.com/foo+530d903a+\(Base64.encode([0x02] + exampleKeyBytes.dropFirst()))", NoteError.keyType),
        ("example.com/foo+530d903a+\(Base64.encode(exampleKeyBytes.dropLast()))", NoteError.keyLength),
        ("example.com/foo+530d903a+\(Base64.encode(exampleKeyBytes + [0]))", NoteError.keyLength),
        ("example.com/foo+530d903a+AQ==", NoteError.keyLength),
    ]

    @Test(arguments: rejectedKeys)
    func rejectsKey(input: String, code: String) {
        #expect(errorCode { _ = try NoteVerifierKey.parse(input) } == code, "\(input.debugDescription)")
    }

    @Test func keyConstructionIsValidated() {
        #expect(errorCode { _ = try NoteVerifierKey(name: "a+b", ed25519PublicKey: [UInt8](repeating: 1, count: 32)) } == NoteError.keyName)
        #expect(errorCode { _ = try NoteVerifierKey(name: "a", ed25519PublicKey: [UInt8](repeating: 1, count: 31)) } == NoteError.keyLength)
    }
}

// MARK: - Checkpoints

@Suite struct CheckpointTests {
    /// The example of c2sp.org/tlog-checkpoint.
    static let example = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

    @Test func specExample() throws {
        let checkpoint = try Checkpoint.parse(Self.example)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.rootHash == Base64.decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="))
        #expect(checkpoint.extensions.isEmpty)
        #expect(checkpoint.format() == Self.example)
    }

    @Test func buildFormatParse() throws {
        let root = MerkleTree.root(leafHashes: [MerkleHashing.leafHash([1])])
        let checkpoint = try Checkpoint(origin: "intake.example/rr-2026", size: 1, rootHash: root, extensions: ["ext one", "— two"])
        let text = checkpoint.format()
        #expect(text == "intake.example/rr-2026\n1\n\(Base64.encode(root))\next one\n— two\n")
        #expect(try Checkpoint.parse(text) == checkpoint)
        // Inside a signed note.
        let note = try SignedNote.parse(text + "\n\u{2014} intake.example/rr-2026 \(fakeSignature)\n")
        #expect(try Checkpoint.parse(note.text) == checkpoint)
        let empty = try Checkpoint(origin: "o", size: 0, rootHash: MerkleHashing.emptyRoot)
        #expect(try Checkpoint.parse(empty.format()) == empty)
        #expect(empty.format().hasPrefix("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
        let largest = "o\n9223372036854775807\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        #expect(try Checkpoint.parse(largest).size == Int.max)
    }

    static let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    static let rejected: [(String, String)] = [
        ("o\n1\n\(root)", NoteError.noFinalNewline),
        ("o\n1\n", NoteError.checkpointLines),
        ("o\n", NoteError.checkpointLines),
        ("\n1\n\(root)\n", NoteError.checkpointLines),
        ("o\n1\n\(root)\n\n", NoteError.checkpointLines),
        ("o\n1\n\(root)\n\next\n", NoteError.checkpointLines),
        ("o\n\n\(root)\n", NoteError.checkpointLines),
        ("o\n01\n\(root)\n", NoteError.treeSize),
        ("o\n00\n\(root)\n", NoteError.treeSize),
        ("o\n-1\n\(root)\n", NoteError.treeSize),
        ("o\n+1\n\(root)\n", NoteError.treeSize),
        ("o\n 1\n\(root)\n", NoteError.treeSize),
        ("o\n1 \n\(root)\n", NoteError.treeSize),
        ("o\n1a\n\(root)\n", NoteError.treeSize),
        ("o\n0x10\n\(root)\n", NoteError.treeSize),
        ("o\n١\n\(root)\n", NoteError.treeSize),  // ARABIC-INDIC DIGIT ONE
        ("o\n9223372036854775808\n\(root)\n", NoteError.treeSize),
        ("o\n18446744073709551616\n\(root)\n", NoteError.treeSize),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", NoteError.rootHash),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", NoteError.rootHash),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", NoteError.rootHash),  // 31 bytes
        ("o\n1\n\(Base64.encode([UInt8](repeating: 1, count: 33)))\n", NoteError.rootHash),
        ("o\n1\n \(root)\n", NoteError.rootHash),
        ("o\n1\n\(Hex.encode([UInt8](repeating: 1, count: 32)))\n", NoteError.rootHash),
        ("o\tx\n1\n\(root)\n", NoteError.controlCharacter),
        ("o\n1\n\(root)\r\n", NoteError.controlCharacter),
    ]

    @Test(arguments: rejected)
    func rejects(input: String, code: String) {
        #expect(errorCode { _ = try Checkpoint.parse(input) } == code, "\(input.debugDescription)")
    }

    @Test func constructionIsValidated() {
        let root = MerkleHashing.emptyRoot
        #expect(errorCode { _ = try Checkpoint(origin: "", size: 0, rootHash: root) } == NoteError.checkpointOrigin)
        #expect(errorCode { _ = try Checkpoint(origin: "a\nb", size: 0, rootHash: root) } == NoteError.checkpointOrigin)
        #expect(errorCode { _ = try Checkpoint(origin: "o", size: -1, rootHash: root) } == NoteError.treeSize)
        #expect(errorCode { _ = try Checkpoint(origin: "o", size: 0, rootHash: Array(root.dropLast())) } == NoteError.rootHash)
        #expect(errorCode { _ = try Checkpoint(origin: "o", size: 0, rootHash: root, extensions: [""]) } == NoteError.checkpointExtension)
        #expect(errorCode { _ = try Checkpoint(origin: "o", size: 0, rootHash: root, extensions: ["a\nb"]) } == NoteError.checkpointExtension)
    }
}

// MARK: - Tlog proofs

@Suite struct TlogProofTests {
    static let signatureLine = "\u{2014} example.com/fancylog \(fakeSignature)\n"

    /// The example of c2sp.org/tlog-proof, with its elided signature lines replaced by one
    /// syntactically valid line.
    static let specExample = """
        c2sp.org/tlog-proof@v1
        extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
        index 73894
        gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
        B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
        EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
        RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
        AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

        example.com/fancylog
        109482
        sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=


        """ + signatureLine

    @Test func specExampleParses() throws {
        let proof = try TlogProof.parse(Self.specExample)
        #expect(proof.extra == Array("age-v1.2.1-darwin-arm64.tar.gz".utf8) + [0x91, 0x85, 0xC9, 0xDD, 0xA5, 0xB8, 0xB5, 0x85, 0xC9])
        #expect(proof.index == 73_894)
        #expect(proof.inclusionProof.count == 5)
        #expect(proof.inclusionProof.first == Base64.decode("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ="))
        #expect(proof.checkpoint.origin == "example.com/fancylog")
        #expect(proof.checkpoint.size == 109_482)
        #expect(proof.note.signatures.map(\.name) == ["example.com/fancylog"])
        #expect(proof.format() == Self.specExample)
    }

    /// A proof made from a real tree verifies after a format/parse round trip.
    @Test func realProofRoundTrips() throws {
        let leaves = (0..<8).map { MerkleHashing.leafHash([UInt8($0)]) }
        let root = MerkleTree.root(leafHashes: leaves)
        let checkpoint = try Checkpoint(origin: "intake.example/log", size: 8, rootHash: root)
        let signature = try NoteSignature(name: "intake.example/log", keyID: [1, 2, 3, 4], signature: [UInt8](repeating: 3, count: 64))
        let note = try SignedNote(text: checkpoint.format(), signatures: [signature])
        let path = MerkleTree.inclusionProof(index: 5, leafHashes: leaves)
        let proof = try TlogProof(extra: nil, index: 5, inclusionProof: path, note: note)
        let text = proof.format()
        #expect(text.hasPrefix("c2sp.org/tlog-proof@v1\nindex 5\n\(Base64.encode(path[0]))\n"))
        #expect(text.hasSuffix("\n\nintake.example/log\n8\n\(Base64.encode(root))\n\n\u{2014} intake.example/log "
            + Base64.encode([1, 2, 3, 4] + [UInt8](repeating: 3, count: 64)) + "\n"))
        let parsed = try TlogProof.parse(text)
        #expect(parsed == proof)
        #expect(parsed.extra == nil)
        #expect(MerkleVerifier.verifyInclusion(
            leafHash: leaves[5], index: parsed.index, size: parsed.checkpoint.size,
            proof: parsed.inclusionProof, root: parsed.checkpoint.rootHash))

        // No hashes (a one-leaf tree) and empty extra data.
        let single = try TlogProof(
            extra: [], index: 0, inclusionProof: [],
            note: SignedNote(text: Checkpoint(origin: "o", size: 1, rootHash: leaves[0]).format(), signatures: [signature]))
        #expect(single.format().hasPrefix("c2sp.org/tlog-proof@v1\nextra \nindex 0\n\no\n1\n"))
        #expect(try TlogProof.parse(single.format()) == single)
    }

    static let checkpoint = "o\n8\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" + signatureLine
    static let hash = "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ="
    static let rejected: [(String, String)] = [
        ("", NoteError.proofHeader),
        ("c2sp.org/tlog-proof@v2\nindex 1\n\n" + checkpoint, NoteError.proofHeader),
        ("c2sp.org/tlog-proof@v1 \nindex 1\n\n" + checkpoint, NoteError.proofHeader),
        ("c2sp.org/tlog-proof@v1", NoteError.proofHeader),
        ("c2sp.org/tlog-proof@v1\n", NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nindex 01\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nindex -1\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nindex\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nindex  1\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nIndex 1\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nextra AAAA\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nextra AAAA", NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nextra AA\nindex 1\n\n" + checkpoint, NoteError.proofExtra),
        ("c2sp.org/tlog-proof@v1\nextra AAAA\nextra AAAA\nindex 1\n\n" + checkpoint, NoteError.proofIndex),
        ("c2sp.org/tlog-proof@v1\nindex 1\nextra AAAA\n\n" + checkpoint, NoteError.proofHash),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash.dropLast())\n\n" + checkpoint, NoteError.proofHash),
        ("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n" + checkpoint, NoteError.proofHash),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash) \n\n" + checkpoint, NoteError.proofHash),
        ("c2sp.org/tlog-proof@v1\nindex 1\n" + String(repeating: hash + "\n", count: 64) + "\n" + checkpoint, NoteError.proofTooLong),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash)", NoteError.proofSeparator),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash)\n", NoteError.proofSeparator),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\n", NoteError.noFinalNewline),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\no\n8\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", NoteError.noSeparator),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\no\n8\n\n" + signatureLine, NoteError.checkpointLines),
        ("c2sp.org/tlog-proof@v1\nindex 1\n\no\n08\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" + signatureLine, NoteError.treeSize),
        ("c2sp.org/tlog-proof@v1\r\nindex 1\n\n" + checkpoint, NoteError.proofHeader),
    ]

    @Test(arguments: rejected)
    func rejects(input: String, code: String) {
        #expect(errorCode { _ = try TlogProof.parse(input) } == code, "\(input.debugDescription)")
    }

    @Test func constructionIsValidated() throws {
        let signature = try NoteSignature(name: "o", keyID: [1, 2, 3, 4], signature: [1])
        let note = try SignedNote(text: Checkpoint(origin: "o", size: 1, rootHash: MerkleHashing.emptyRoot).format(), signatures: [signature])
        let hash = MerkleHashing.emptyRoot
        #expect(errorCode { _ = try TlogProof(extra: nil, index: -1, inclusionProof: [], note: note) } == NoteError.proofIndex)
        #expect(errorCode { _ = try TlogProof(extra: nil, index: 0, inclusionProof: [[1]], note: note) } == NoteError.proofHash)
        #expect(errorCode { _ = try TlogProof(extra: nil, index: 0, inclusionProof: Array(repeating: hash, count: 64), note: note) }
            == NoteError.proofTooLong)
        #expect(try TlogProof(extra: nil, index: 0, inclusionProof: Array(repeating: hash, count: 63), note: note).inclusionProof.count == 63)
        let notCheckpoint = try SignedNote(text: "just text\n", signatures: [signature])
        #expect(errorCode { _ = try TlogProof(extra: nil, index: 0, inclusionProof: [], note: notCheckpoint) } == NoteError.checkpointLines)
    }

    @Test func sizeLimit() {
        let small = SignedNote.Limits(maxBytes: 100, maxSignatures: 10, maxTextLines: 10)
        #expect(errorCode { _ = try TlogProof.parse(Self.specExample, limits: small) } == NoteError.tooLarge)
    }
}
