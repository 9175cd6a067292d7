// swift-tools-version:6.1
// libFuzzer targets for intake's parsers (docs/testing.md). Build and run with scripts/fuzz.sh.
import PackageDescription

let fuzzers = ["FuzzReturn", "FuzzJSON", "FuzzSettings", "FuzzNotes", "FuzzEnvelopeStructure"]

let package = Package(
    name: "intake-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "intake", path: "..")],
    targets: [.target(name: "FuzzDriver")] + fuzzers.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzDriver", .product(name: "IntakeCore", package: "intake")],
            // The entry point is LLVMFuzzerTestOneInput; scripts/fuzz.sh adds -sanitize=fuzzer,address.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
