// swift-tools-version:6.1
// libFuzzer targets for intake's parsers and its envelope and HTTP paths (docs/testing.md).
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
    // SwiftNIO's HTTP/1.1 decoder and the socket's handler, application and a real home.
    ("FuzzHTTP", core + [
        .product(name: "IntakeDaemon", package: "intake"),
        .product(name: "IntakeTestSupport", package: "intake"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
    ]),
]

let package = Package(
    name: "intake-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "intake", path: ".."),
        // The versions the intake package itself resolves to.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [.target(name: "FuzzDriver")] + fuzzers.map { fuzzer in
        .executableTarget(
            name: fuzzer.name,
            dependencies: ["FuzzDriver"] + fuzzer.dependencies,
            // The entry point is LLVMFuzzerTestOneInput; scripts/fuzz.sh adds -sanitize=fuzzer,address.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
