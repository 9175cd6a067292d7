import Foundation
import IntakeCore
import IntakeCrypto
import Testing

@Suite struct NoteSigningTests {
    func vector(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Vectors/signed-note/\(name)", withExtension: nil))
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    /// The C2SP signed-note example verifies under its key; any change to its text does not.
    @Test func c2spExampleVerifies() throws {
        let key = try NoteVerifierKey.parse(vector("example.vkey").trimmingCharacters(in: .newlines))
        let note = try SignedNote.parse(vector("example.note"))
        #expect(note.isSigned(by: key))
        var text = Array(note.text.utf8)
        for index in text.indices {
            text[index] ^= 0x01
            if let altered = try? SignedNote(text: String(decoding: text, as: UTF8.self), signatures: note.signatures) {
                #expect(!altered.isSigned(by: key))
            }
            text[index] ^= 0x01
        }
    }

    @Test func signsAndVerifiesCheckpoints() throws {
        let signer = try Ed25519NoteSigner(name: "example.org/intake", key: PrivateKey.generate(.ed25519))
        let body = try Checkpoint(origin: "example.org/intake", size: 3, rootHash: [UInt8](repeating: 7, count: 32)).format()
        let note = try signer.signNote(body)
        #expect(note.isSigned(by: signer.verifierKey))
        let reparsed = try SignedNote.parse(note.format())
        #expect(reparsed.isSigned(by: signer.verifierKey))
        let other = try Ed25519NoteSigner(name: "example.org/intake", key: PrivateKey.generate(.ed25519))
        #expect(!note.isSigned(by: other.verifierKey))
    }
}
