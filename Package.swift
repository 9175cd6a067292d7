// swift-tools-version:6.1
import PackageDescription

/// Strict settings for every target of ours: Swift 6 language mode (complete concurrency
/// checking) and upcoming features that make ownership explicit.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "intake",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "intake", targets: ["intake"]),
        .executable(name: "intake-bench", targets: ["intake-bench"]),
        // For the libFuzzer targets in Fuzz/ (their own package).
        .library(name: "IntakeCore", targets: ["IntakeCore"]),
        .library(name: "IntakeCrypto", targets: ["IntakeCrypto"]),
        .library(name: "IntakeDaemon", targets: ["IntakeDaemon"]),
        .library(name: "IntakeTestSupport", targets: ["IntakeTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The only C surface: OpenSSL's libcrypto through a module map and one shim header.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Linux process calls Swift cannot import or must not write itself (prctl is
        // variadic; a crash handler must be async-signal-safe): IntakeDaemon's only.
        .target(name: "CIntakeSystem"),
        // The functional core: values and pure functions, no I/O. It uses OpenSSL for
        // SHA-256 only (a pure function).
        .target(
            name: "IntakeCore",
            dependencies: ["COpenSSL"],
            swiftSettings: strict
        ),
        // CMS open and seal, keys and certificates, trust, Ed25519 signed notes.
        .target(
            name: "IntakeCrypto",
            dependencies: ["IntakeCore", "COpenSSL"],
            swiftSettings: strict
        ),
        // The SQLite ledger (GRDB over the system libsqlite3).
        .target(
            name: "IntakeLedger",
            dependencies: ["IntakeCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // The pipeline, the home directory, the drop-directory watcher, the HTTP socket, systemd
        // integration, metrics and the services.
        .target(
            name: "IntakeDaemon",
            dependencies: [
                "IntakeCore", "IntakeCrypto", "IntakeLedger",
                // Only for shim_start_writeback (GroupSync); OpenSSL itself is IntakeCrypto's.
                "COpenSSL",
                // ProcessHardening: no core dumps, crash handlers.
                "CIntakeSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "intake",
            dependencies: [
                "IntakeCore", "IntakeCrypto", "IntakeLedger", "IntakeDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "intake-bench",
            // IntakeTestSupport: the plain HTTP client the socket benchmark shares with the tests.
            dependencies: ["IntakeCore", "IntakeCrypto", "IntakeLedger", "IntakeDaemon", "IntakeTestSupport"],
            path: "Benchmarks/intake-bench",
            swiftSettings: strict
        ),
        // Fixtures for the test targets: keys, certificates and envelopes made by the stock
        // `openssl` command, the way agencies make them.
        .target(
            name: "IntakeTestSupport",
            dependencies: ["IntakeCore", "IntakeCrypto", "IntakeLedger", "IntakeDaemon"],
            path: "Tests/IntakeTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntakeCoreTests",
            dependencies: ["IntakeCore"],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntakeCryptoTests",
            dependencies: ["IntakeCore", "IntakeCrypto", "IntakeTestSupport"],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntakeLedgerTests",
            dependencies: ["IntakeCore", "IntakeCrypto", "IntakeLedger"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntakeDaemonTests",
            // `intake` itself: the command-line and crash tests run the real executable.
            dependencies: ["IntakeCore", "IntakeCrypto", "IntakeLedger", "IntakeDaemon", "IntakeTestSupport", "intake",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
    ]
)
