// swift-tools-version: 6.0
import PackageDescription

// Dependencies are chosen for build cost on 2-core machines (see README "Dependencies").
let package = Package(
    name: "usersync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "usersync", targets: ["usersync"]),
        .executable(name: "usersync-sandbox", targets: ["usersync-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
    ],
    targets: [
        // Pure domain: records, canonical JSON, validation, planner. No I/O.
        .target(name: "UserSyncCore"),
        // The SQLite state database: migrations, snapshot, id map, outbox, history.
        .target(name: "UserSyncStore", dependencies: [
            "UserSyncCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The local source of truth, one folder per kind: its config keys, reader and write-back.
        .target(name: "UserSyncSources", dependencies: [
            "UserSyncCore", "UserSyncConfig",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The YAML config file: model, loader, validation, secrets.
        .target(name: "UserSyncConfig", dependencies: [
            "UserSyncCore",
            .product(name: "Yams", package: "Yams"),
        ]),
        // One folder per provider: its config section, adapter, projector and pacing.
        .target(name: "UserSyncProviders", dependencies: [
            "UserSyncCore", "UserSyncConfig",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Cycle orchestration: read, validate, plan, enqueue, dispatch.
        .target(name: "UserSyncEngine", dependencies: [
            "UserSyncCore", "UserSyncStore", "UserSyncSources", "UserSyncProviders", "UserSyncConfig",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Log output for operators: logfmt, JSON or journald lines, with secrets and e-mails scrubbed.
        .target(name: "UserSyncLogging", dependencies: [
            "UserSyncCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The long-running service: cycle loop, graceful stop, reload, systemd notify, instance lock.
        .target(name: "UserSyncDaemon", dependencies: [
            "UserSyncCore", "UserSyncConfig", "UserSyncEngine", "UserSyncStore", "UserSyncSources",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Emulates perform.chat and CommBox on loopback, for the demo and the tests. Never production.
        .target(name: "UserSyncSandbox", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "usersync", dependencies: [
            "UserSyncCore", "UserSyncConfig", "UserSyncEngine", "UserSyncSources", "UserSyncStore", "UserSyncLogging", "UserSyncDaemon",
            "UserSyncProviders",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "usersync-sandbox", dependencies: [
            "UserSyncSandbox",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmark helper: seeds a state database of a given size (scripts/bench.sh).
        .executableTarget(name: "usersync-bench", dependencies: [
            "UserSyncCore", "UserSyncConfig", "UserSyncEngine", "UserSyncStore", "UserSyncSources", "UserSyncProviders",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The testing kit, as HummingbirdTesting is hummingbird's: an in-memory provider, the
        // adapter conformance suite, a manual clock, and the sandbox session the tests share;
        // ThirdProvider/ is a test-only provider (a provider is one folder plus one line).
        .target(name: "UserSyncTesting", dependencies: [
            "UserSyncCore", "UserSyncConfig", "UserSyncSources", "UserSyncProviders", "UserSyncSandbox",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A throwaway PostgreSQL server's address and per-test databases (scripts/test.sh starts it).
        .target(name: "PostgresTestSupport", dependencies: [
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PostgresTestSupport"),
        // Golden/: planner and reconciler scenarios as fixture folders (read through #filePath).
        .testTarget(name: "UserSyncCoreTests", dependencies: ["UserSyncCore"], exclude: ["Golden"]),
        .testTarget(name: "UserSyncStoreTests", dependencies: ["UserSyncStore", "UserSyncCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "UserSyncSourcesTests", dependencies: [
            "UserSyncSources", "UserSyncCore", "UserSyncTesting", "PostgresTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "UserSyncLoggingTests", dependencies: [
            "UserSyncLogging", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "UserSyncDaemonTests", dependencies: ["UserSyncDaemon"]),
        .testTarget(name: "UserSyncConfigTests", dependencies: ["UserSyncConfig", "UserSyncProviders", "UserSyncSources"]),
        .testTarget(name: "UserSyncProvidersTests", dependencies: [
            "UserSyncProviders", "UserSyncSandbox", "UserSyncCore", "UserSyncTesting",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "UserSyncSandboxTests", dependencies: [
            "UserSyncSandbox", "UserSyncTesting", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "UserSyncEngineTests", dependencies: [
            "UserSyncEngine", "UserSyncSandbox", "UserSyncStore", "UserSyncConfig", "UserSyncCore", "UserSyncSources",
            "UserSyncProviders", "UserSyncTesting", "UserSyncLogging",
            "PostgresTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        // End to end: starts the real `usersync` binary.
        .testTarget(name: "UsersyncCLITests", dependencies: [
            "UserSyncSandbox", "UserSyncStore", "UserSyncCore", "PostgresTestSupport",
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
