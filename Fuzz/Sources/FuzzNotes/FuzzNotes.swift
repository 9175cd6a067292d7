import FuzzDriver
import IntakeCore

/// Signed notes, checkpoints, tlog-proofs and receipts: the parsers an outsider's checks use.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if let note = try? SignedNote.parse(bytes: bytes) { _ = try? Checkpoint.parse(note.text) }
    _ = try? Checkpoint.parse(text)
    if let proof = try? TlogProof.parse(bytes: bytes) {
        _ = MerkleVerifier.rootFromInclusionProof(leafHash: [UInt8](repeating: 0, count: 32), index: proof.index,
                                                  size: proof.checkpoint.size, proof: proof.inclusionProof)
    }
    _ = Receipt.parse(bytes)
    _ = try? NoteVerifierKey.parse(text)
    return 0
}

@_cdecl("FuzzNotes_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
