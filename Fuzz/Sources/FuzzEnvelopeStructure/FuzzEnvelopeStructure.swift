import FuzzDriver
import IntakeCore

/// The first steps of the envelope path: DER/PEM/S-MIME detection and decoding, then the
/// bounded BER reading of the CMS structure, before OpenSSL ever sees the bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let encoding = EnvelopeEncoding.sniff(bytes), let der = encoding.der(from: bytes) else { return 0 }
    _ = EnvelopeStructure.read(der)
    return 0
}

@_cdecl("FuzzEnvelopeStructure_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
