import FuzzDriver
import IntakeCore

/// The strict JSON parser, and canonical re-encoding of what it accepts (which must parse back
/// to the same value).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let canonical = CanonicalJSON.encode(value)
    guard let again = try? JSONParser.parse(canonical), again == value else { fatalError("canonical JSON did not round-trip") }
    _ = LedgerEvent.parse(json: value)
    return 0
}

@_cdecl("FuzzJSON_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
