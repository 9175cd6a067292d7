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

/// SwiftPM links an executable's entry point as `FuzzReturn_main`; it hands over to libFuzzer's driver.
@_cdecl("FuzzReturn_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzz)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt
