import FuzzDriver
import IntakeCore

/// The intake.toml loader; what it accepts must write out and read back the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let settings = try? Settings.parse(text) else { return 0 }
    guard let again = try? Settings.parse(settings.fileText()), again == settings else { fatalError("settings did not round-trip") }
    return 0
}

@_cdecl("FuzzSettings_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
