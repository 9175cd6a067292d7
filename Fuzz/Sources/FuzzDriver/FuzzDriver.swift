import Glibc
import Synchronization

/// The shared entry point of the fuzz targets. SwiftPM links each executable's entry point as
/// `TARGET_main`; each target's one-line `TARGET_main` calls `runFuzzer`, which hands over to
/// libFuzzer's driver with the target's `LLVMFuzzerTestOneInput`.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, callback)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

// MARK: - The fuzzing-only PKI

/// `Fuzz/keys/` (Fuzz/keys/README.md), found from this source file's place in the tree: the
/// targets are always built from it and run in it (scripts/fuzz.sh, which makes the PKI there
/// with scripts/make-keyed-inputs.sh when there is none; no key is committed).
public let fuzzKeysDirectory: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Sources/FuzzDriver/FuzzDriver.swift
    return parts.joined(separator: "/") + "/keys"
}()

/// The bytes of `Fuzz/keys/NAME`; stops the target when they cannot be read.
public func fuzzKey(_ name: String) -> [UInt8] {
    let path = "\(fuzzKeysDirectory)/\(name)"
    guard let file = fopen(path, "rb") else { fatalError("cannot read \(path): run scripts/make-fuzz-pki.sh") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

/// The receipt time the targets open envelopes at: 2027-01-01T00:00:00Z, inside the fuzz PKI's
/// validity (2026-01-01 to 2126-01-01), so that no run depends on the clock.
public let fuzzReceivedAt: Int64 = 1_798_761_600

// MARK: - How far inputs reach

/// With `FUZZ_TALLY=1` in the environment, a target counts how its inputs end and prints the
/// counts when the process exits: run over the seeds (`-runs=0`, or file names), it shows how
/// far they reach.
public enum Tally {
    static let enabled: Bool = {
        guard getenv("FUZZ_TALLY") != nil else { return false }
        atexit {
            for (outcome, count) in Tally.counts.withLock({ $0 }).sorted(by: { $0.key < $1.key }) { print("tally: \(outcome): \(count)") }
        }
        return true
    }()
    static let counts = Mutex<[String: Int]>([:])

    public static func add(_ outcome: @autoclosure () -> String) {
        guard enabled else { return }
        counts.withLock { $0[outcome(), default: 0] += 1 }
    }
}
