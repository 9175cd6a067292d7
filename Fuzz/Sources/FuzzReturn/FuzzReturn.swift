import FuzzDriver
import IntakeCore

/// The scoping-return/v1 validator on arbitrary bytes (what an agency's signed content can be).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let verdict = ScopingReturn.validate(buffer: UnsafeRawBufferPointer(start: data, count: size))
    if case .valid(let document, _) = verdict {
        // What the pack does with a valid return must not trip either.
        for (position, attachment) in document.attachments.enumerated() { _ = MeetingPack.attachmentFile(attachment, position: position) }
        _ = HTML.escape(document.learning ?? "")
    }
    return 0
}

@_cdecl("FuzzReturn_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
