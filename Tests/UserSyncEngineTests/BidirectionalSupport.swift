import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import Synchronization
import Testing
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSources
import UserSyncSandbox
import UserSyncStore

// Support for the bidirectional-sync tests (Bidirectional*.swift): an in-process sandbox, a
// real JSONL file or SQLite database as the local source, a real state file, and the engine
// run cycle by cycle with a pull due every cycle.

/// One user of the local source.
struct BiUser: Sendable, Equatable {
    var id: String
    var name: String?
    var email: String?
    var metadata: [String: JSONValue] = [:]
    /// A column usersync does not map (SQLite only): must never be touched by a write-back.
    var note = "keep me"
    /// Mapped only with `BiOptions.mapPhone` (JSONL and CSV sources).
    var phone: String?
    /// When the row was last edited; mapped only with `BiOptions.mapUpdatedAt` (JSONL).
    var updatedAt: String?

    var jsonLine: String {
        var object: [String: JSONValue] = ["id": .string(id), "metadata": .object(metadata)]
        if let name { object["name"] = .string(name) }
        if let email { object["email"] = .string(email) }
        if let phone { object["phone"] = .string(phone) }
        if let updatedAt { object["updated_at"] = .string(updatedAt) }
        return JSONValue.object(object).canonicalText
    }

    /// One CSV record (`id,name,email,phone,metadata`), every cell quoted.
    var csvLine: String {
        [id, name ?? "", email ?? "", phone ?? "", JSONValue.object(metadata).canonicalText]
            .map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
    }

    static let ada = BiUser(id: "u1", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "free", "country": "UK"])
    static let bob = BiUser(id: "u2", name: "Bob Builder", email: "bob@example.com", metadata: ["plan": "pro", "country": "DE"])
    static let pair = [ada, bob]
}

/// What a test wants of the generated config.
struct BiOptions: Sendable {
    enum SourceKind: Sendable { case jsonl, sqlite, csv, postgres }
    var source = SourceKind.jsonl
    /// Maps `phone` (JSONL and CSV sources).
    var mapPhone = false
    /// Maps `updated_at` (`source.fields.updated_at`, JSONL).
    var mapUpdatedAt = false
    /// `source.write_back` of a file source.
    var writeBack = "inbound"
    /// `.postgres`: the database's URL, and extra `source` lines (change_column…).
    var postgresURL = ""
    var postgresLines: [String] = []
    var deletions = "ignore"
    /// Lifts the mass-change guard, for tests that change every user on purpose.
    var raiseGuard = false
    var direction = "both"
    var conflictPolicy = "local"
    var pullInterval = "1ms"
    var pullBudget = 100
    var content = ["plan": "Plan", "country": "Country"]
}

/// A row of the SQLite source as stored (text exactly as in the file).
struct BiSQLiteRow: Sendable, Equatable {
    var id: String
    var name: String?
    var email: String?
    var metadata: String?
    var note: String?

    var metadataObject: [String: JSONValue] {
        guard let metadata, let parsed = try? JSONParser.parse(metadata) else { return [:] }
        return parsed.objectValue ?? [:]
    }
}

final class BiFixture: Sendable {
    let directory: URL
    let sandbox: SandboxServer
    let client: HTTPClient
    static let logger = Logger(label: "usersync.tests.bidirectional") { _ in SwiftLogNoOpLogHandler() }

    init(sandbox: SandboxServer, client: HTTPClient) throws {
        self.sandbox = sandbox
        self.client = client
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("usersync-bidirectional-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var jsonlPath: String { directory.appendingPathComponent("users.jsonl").path }
    var csvPath: String { directory.appendingPathComponent("users.csv").path }
    var databasePath: String { directory.appendingPathComponent("app.db").path }
    var inboundPath: String { directory.appendingPathComponent("inbound").appendingPathComponent("changes.jsonl").path }
    var statePath: String { directory.appendingPathComponent("state").appendingPathComponent("state.db").path }

    // MARK: the local source

    func writeJSONL(_ users: [BiUser]) throws {
        let text = users.map(\.jsonLine).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: jsonlPath), options: .atomic)
    }

    func jsonlBytes() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: jsonlPath)) }

    /// Lines written as given (for null, empty and missing values the helpers cannot spell).
    func writeJSONLLines(_ lines: [String]) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: jsonlPath), options: .atomic)
    }

    /// A CSV source with the given header and records.
    func writeCSV(header: String = "id,name,email,phone,metadata", _ lines: [String]) throws {
        try Data(([header] + lines).joined(separator: "\r\n").appending("\r\n").utf8)
            .write(to: URL(fileURLWithPath: csvPath), options: .atomic)
    }

    /// `users (id, name, email, metadata JSON text, note)`, as an application would keep it.
    func createDatabase(_ users: [BiUser]) throws {
        let queue = try DatabaseQueue(path: databasePath)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE users (id TEXT PRIMARY KEY NOT NULL, name TEXT, email TEXT, metadata TEXT, note TEXT)")
            for user in users {
                try db.execute(
                    sql: "INSERT INTO users (id, name, email, metadata, note) VALUES (?, ?, ?, ?, ?)",
                    arguments: [user.id, user.name, user.email, JSONValue.object(user.metadata).canonicalText, user.note])
            }
        }
        try queue.close()
    }

    /// The application editing its own database.
    func updateDatabase(_ sql: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: databasePath)
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
        try queue.close()
    }

    func databaseRows() throws -> [String: BiSQLiteRow] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, email, metadata, note FROM users").map { row in
                BiSQLiteRow(id: row["id"], name: row["name"], email: row["email"], metadata: row["metadata"], note: row["note"])
            }
        }
        try queue.close()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
    }

    /// The inbound changes file, one parsed object per line (empty when it does not exist).
    func inboundLines() throws -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: inboundPath) else { return [] }
        let text = try String(contentsOfFile: inboundPath, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    // MARK: config and engine

    func yaml(_ options: BiOptions) -> String {
        var lines = ["state:", "  path: \(statePath)", "source:"]
        switch options.source {
        case .jsonl:
            // Not about settling: cycles read the file the tests just wrote at once.
            lines += ["  kind: jsonl", "  path: \(jsonlPath)", "  inbound_path: \(inboundPath)", "  write_back: \(options.writeBack)", "  settle_time: 0s"]
        case .csv:
            lines += ["  kind: csv", "  path: \(csvPath)", "  inbound_path: \(inboundPath)", "  write_back: \(options.writeBack)", "  settle_time: 0s"]
        case .sqlite:
            lines += ["  kind: sqlite", "  path: \(databasePath)", "  table: users"]
        case .postgres:
            lines += ["  kind: postgres", "  url: \(options.postgresURL)", "  table: users"] + options.postgresLines.map { "  " + $0 }
        }
        lines += [
            "  fields:",
            "    external_id: id",
            "    name: name",
            "    email: email",
            "    metadata: metadata",
        ]
        if options.mapPhone { lines.append("    phone: phone") }
        if options.mapUpdatedAt { lines.append("    updated_at: updated_at") }
        lines += [
            "sync:",
            "  interval: 1s",
            "  direction: \(options.direction)",
            "  conflict_policy: \(options.conflictPolicy)",
            "  deletions: \(options.deletions)",
            "  pull_interval: \(options.pullInterval)",
        ] + (options.raiseGuard ? ["  guard: { max_changed: 100%, max_cleared: 100% }"] : []) + [
            "retry:",
            "  base_delay: 50ms",
            "  max_delay: 200ms",
            "providers:",
            "  performchat:",
            "    base_url: \(sandbox.baseURL(for: .performChat))",
            "    key_id: demo-key-id",
            "    key_secret: demo-key-secret",
            "    requests_per_minute: 600000",
            "    concurrency: 4",
            "    timeout: 10s",
            "  commbox:",
            "    base_url: \(sandbox.baseURL(for: .commBox))",
            "    token: demo-commbox-token",
            "    requests_per_minute: 600000",
            "    concurrency: 4",
            "    timeout: 10s",
            "    pull_budget: \(options.pullBudget)",
        ]
        if options.content.isEmpty {
            lines.append("    content: {}")
        } else {
            lines.append("    content:")
            for (key, field) in options.content.sorted(by: { $0.key < $1.key }) { lines.append("      \(key): \(field)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func configuration(_ options: BiOptions) throws -> UserSyncConfiguration {
        try ConfigLoader.parse(
            yaml: yaml(options), fileName: directory.appendingPathComponent("usersync.yaml").path, environment: [:],
            configDirectory: directory.path, providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
    }

    func engine(_ options: BiOptions) throws -> SyncEngine {
        try SyncEngine(config: configuration(options), client: client, logger: Self.logger)
    }

    /// Writes the source, seeds both providers with stale copies of the users, and runs the
    /// first cycle: afterwards both providers hold the source's values and every user has a
    /// merge base at both.
    func establish(_ users: [BiUser], _ options: BiOptions, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> SyncEngine {
        switch options.source {
        case .jsonl: try writeJSONL(users)
        case .csv: try writeCSV(users.map(\.csvLine))
        case .sqlite: try createDatabase(users)
        case .postgres: break  // the test made its table
        }
        try sandbox.seedPerformChatUsers(users.map {
            SandboxPerformChatSeed(externalID: $0.id, name: "Stale \($0.id)", email: $0.email, metadata: ["stale": true])
        })
        try sandbox.seedCommBoxUsers(users.map { SandboxCommBoxSeed(firstName: "Stale", email: $0.email) })
        let engine = try engine(options)
        let first = try await engine.runCycle()
        #expect(first.dispatch[.performchat]?.pushed == users.count, sourceLocation: sourceLocation)
        #expect(first.dispatch[.commbox]?.pushed == users.count, sourceLocation: sourceLocation)
        #expect(first.remoteChanges == 0 && first.conflicts == 0, sourceLocation: sourceLocation)
        #expect(try engine.store.outboxCount() == 0, sourceLocation: sourceLocation)
        for user in users {
            expectAtPerformChat(user, sourceLocation: sourceLocation)
            expectAtCommBox(user, content: options.content, sourceLocation: sourceLocation)
        }
        return engine
    }

    /// Runs `count` cycles, returning every report.
    @discardableResult
    func cycles(_ engine: SyncEngine, _ count: Int) async throws -> [CycleReport] {
        var reports: [CycleReport] = []
        for _ in 0..<count { reports.append(try await engine.runCycle()) }
        return reports
    }

    // MARK: the providers' side

    func performChat(_ externalID: String) -> SandboxPerformChatUser? { sandbox.performChatUser(externalID: externalID) }

    func commBox(_ externalID: String) -> SandboxCommBoxUser? { sandbox.commBoxUsers().first { $0.uniqueID == externalID } }

    /// An agent editing the user in perform.chat's console: name, and metadata keys merged
    /// into what it holds (perform.chat replaces metadata whole, so the edit sends it all).
    func editAtPerformChat(_ externalID: String, name: String? = nil, email: String? = nil, metadata: [String: SandboxJSON] = [:]) throws {
        var merged = performChat(externalID)?.metadata ?? [:]
        merged.merge(metadata) { _, new in new }
        try sandbox.editPerformChatUser(
            externalID: externalID, SandboxPerformChatChange(name: name, email: email, metadata: metadata.isEmpty ? nil : merged))
    }

    func editAtCommBox(_ externalID: String, _ change: SandboxCommBoxChange, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let user = try #require(commBox(externalID), sourceLocation: sourceLocation)
        try sandbox.editCommBoxUser(id: user.id, change)
    }

    func expectAtPerformChat(_ user: BiUser, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let remote = performChat(user.id)
        #expect(remote?.name == user.name, "perform.chat name of \(user.id)", sourceLocation: sourceLocation)
        #expect(remote?.email == user.email, "perform.chat email of \(user.id)", sourceLocation: sourceLocation)
        #expect(remote.map { SandboxJSON.object($0.metadata) } == JSONValue.object(user.metadata).biSandbox,
                "perform.chat metadata of \(user.id)", sourceLocation: sourceLocation)
    }

    func expectAtCommBox(_ user: BiUser, content: [String: String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let remote = commBox(user.id)
        let parts = user.name?.split(separator: " ", maxSplits: 1).map(String.init) ?? []
        #expect(remote?.firstName == parts.first, "CommBox FirstName of \(user.id)", sourceLocation: sourceLocation)
        #expect(remote?.lastName == parts.dropFirst().first, "CommBox LastName of \(user.id)", sourceLocation: sourceLocation)
        #expect(remote?.email == user.email, "CommBox Email of \(user.id)", sourceLocation: sourceLocation)
        if let phone = user.phone { #expect(remote?.phone1 == phone, "CommBox Phone1 of \(user.id)", sourceLocation: sourceLocation) }
        for (key, field) in content {
            let expected = user.metadata[key].map { SandboxJSON.string($0.stringValue ?? $0.canonicalText) }
            #expect(remote?.content[field] == expected, "CommBox Content.\(field) of \(user.id)", sourceLocation: sourceLocation)
        }
    }

    /// Requests that write at a provider (perform.chat PUT / token POST, CommBox POST).
    var writes: (performChat: Int, commBox: Int) {
        let counts = sandbox.requestCounts()
        return (
            counts.performChat.route("PUT /customer-users/:id") + counts.performChat.route("POST /auth/token"),
            counts.commBox.route("POST /users/:id"))
    }

    /// Requests that read a provider's side (perform.chat list, CommBox per-user and identity GETs).
    var reads: (performChat: Int, commBox: Int) {
        let counts = sandbox.requestCounts()
        return (
            counts.performChat.route("GET /customer-users"),
            counts.commBox.route("GET /users/:id") + counts.commBox.route("GET /users/by-identity"))
    }
}

/// Starts an unlimited sandbox and a client, runs `body`, then shuts both down and removes
/// the temporary directory.
func withBiFixture<T>(_ body: (BiFixture) async throws -> T) async throws -> T {
    let sandbox = SandboxServer(configuration: SandboxConfiguration(
        performChatLimit: SandboxRateLimit(requestsPerMinute: nil),
        commBoxLimit: SandboxRateLimit(requestsPerMinute: nil),
        performChatTokenRequestsPerMinute: nil,
        seed: 11,
        requestLogCapacity: 5_000))
    try await sandbox.start()
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    var fixture: BiFixture?
    do {
        let f = try BiFixture(sandbox: sandbox, client: client)
        fixture = f
        let result = try await body(f)
        try await client.shutdown()
        try await sandbox.shutdown()
        try? FileManager.default.removeItem(at: f.directory)
        return result
    } catch {
        try? await client.shutdown()
        try? await sandbox.shutdown()
        if let fixture { try? FileManager.default.removeItem(at: fixture.directory) }
        throw error
    }
}

extension JSONValue {
    var biSandbox: SandboxJSON { try! SandboxJSON.parse(Data(canonicalText.utf8)) }
}

/// Another connection to the application's database holding its write lock
/// (`BEGIN IMMEDIATE`, plus a write of its own) on a thread of its own, until released or
/// until `holdAtMost` seconds have passed.
final class SQLiteLockHolder: Sendable {
    private struct State {
        var acquired = false
        var released = false
        var done = false
        var error: String?
        var heldSeconds: Double = 0
        var committedAt: Date?
    }

    private let state = Mutex(State())

    init(path: String, holdAtMost: Double) {
        let thread = Thread { [self] in self.hold(path: path, holdAtMost: holdAtMost) }
        thread.start()
    }

    private func hold(path: String, holdAtMost: Double) {
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "UPDATE users SET note = 'written by the application' WHERE id = 'u2'")
                let start = Date()
                state.withLock { $0.acquired = true }
                while !state.withLock({ $0.released }) && Date().timeIntervalSince(start) < holdAtMost {
                    Thread.sleep(forTimeInterval: 0.01)
                }
                try db.execute(sql: "COMMIT")
                let committed = Date()
                state.withLock {
                    $0.heldSeconds = committed.timeIntervalSince(start)
                    $0.committedAt = committed
                }
            }
            try queue.close()
        } catch {
            state.withLock { $0.error = "\(error)"; $0.acquired = true }
        }
        state.withLock { $0.done = true }
    }

    var error: String? { state.withLock { $0.error } }
    var heldSeconds: Double { state.withLock { $0.heldSeconds } }
    var committedAt: Date? { state.withLock { $0.committedAt } }
    var isDone: Bool { state.withLock { $0.done } }

    func waitUntilAcquired() async throws {
        while !state.withLock({ $0.acquired }) { try await Task.sleep(for: .milliseconds(5)) }
    }

    func release() { state.withLock { $0.released = true } }

    func waitUntilDone() async throws {
        while !isDone { try await Task.sleep(for: .milliseconds(5)) }
    }
}
