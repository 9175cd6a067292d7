// swift-tools-version:6.1
// libFuzzer targets for intake's parsers and its envelope path (docs/testing.md).
// Build and run with scripts/fuzz.sh.
import PackageDescription

let core: [Target.Dependency] = [.product(name: "IntakeCore", package: "intake")]
let fuzzers: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzReturn", core),
    ("FuzzJSON", core),
    ("FuzzSettings", core),
    ("FuzzNotes", core),
    ("FuzzEnvelopeStructure", core),
    // Through OpenSSL with the fuzzing-only keys of Fuzz/keys/.
    ("FuzzEnvelopeOpen", core + [.product(name: "IntakeCrypto", package: "intake")]),
]

let package = Package(
    name: "intake-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "intake", path: "..")],
    targets: [.target(name: "FuzzDriver")] + fuzzers.map { fuzzer in
        .executableTarget(
            name: fuzzer.name,
            dependencies: ["FuzzDriver"] + fuzzer.dependencies,
            // The entry point is LLVMFuzzerTestOneInput; scripts/fuzz.sh adds -sanitize=fuzzer,address.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
