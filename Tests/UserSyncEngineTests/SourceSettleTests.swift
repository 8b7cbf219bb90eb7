import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// `source.settle_time` end to end: an application rewriting the source file in place, slowly
/// and in pieces, while cycles run against the sandbox. No value the providers receive may
/// come from a row cut short or read across two versions of the file.
@Suite("A source file written in place is never read half-way", .serialized)
struct SourceSettleTests {
    static let userCount = 24
    static let versions = 6

    /// Every value has the same length in every version, and carries its version more than
    /// once, so a cut value or one glued from two versions is never a complete value.
    static func name(_ n: Int, _ v: Int) -> String { String(format: "User%02d V%dx%d", n, v, v) }
    static func phone(_ n: Int, _ v: Int) -> String { String(format: "+1800%d%d%d%02d%d", v, v, v, n, v) }
    static func email(_ n: Int) -> String { String(format: "u%02d@example.com", n) }
    static func id(_ n: Int) -> String { String(format: "u%02d", n) }

    static func csv(version v: Int) -> String {
        "id,name,email,phone\n" + (1...userCount).map { "\(id($0)),\(name($0, v)),\(email($0)),\(phone($0, v))\n" }.joined()
    }

    static func jsonl(version v: Int) -> String {
        (1...userCount).map { n in
            JSONValue.object(["id": .string(id(n)), "name": .string(name(n, v)), "email": .string(email(n)), "phone": .string(phone(n, v))])
                .canonicalText + "\n"
        }.joined()
    }

    static var users: [SourceUser] { (1...userCount).map { SourceUser(id: id($0), name: name($0, 1), email: email($0)) } }

    /// An application rewriting `path` in place: truncate, then the new content a few bytes
    /// at a time with short pauses (now and then a longer stall, still under settle_time), then
    /// a rest that is sometimes longer than settle_time, sometimes not. Runs on its own thread.
    final class InPlaceWriter: @unchecked Sendable {
        let path: String
        let contents: [String]
        private let lock = NSLock()
        private var done = false

        init(path: String, contents: [String]) {
            self.path = path
            self.contents = contents
        }

        func start() {
            let thread = Thread { [self] in
                var random = SystemRandomNumberGenerator()
                for (index, text) in contents.enumerated() {
                    let bytes = Array(text.utf8)
                    let handle = FileHandle(forWritingAtPath: path)!
                    try! handle.truncate(atOffset: 0)
                    var offset = 0
                    while offset < bytes.count {
                        let end = min(bytes.count, offset + Int.random(in: 5...60, using: &random))
                        handle.write(Data(bytes[offset..<end]))
                        offset = end
                        usleep(Int.random(in: 0..<10, using: &random) == 0 ? 120_000 : 4_000)
                    }
                    try! handle.close()
                    usleep(index % 2 == 0 ? 350_000 : 60_000)
                }
                lock.withLock { done = true }
            }
            thread.start()
        }

        func finished() -> Bool { lock.withLock { done } }
    }

    /// Every name, e-mail and phone the sandbox holds is a complete value of some version.
    static func expectOnlyCompleteValues(_ f: EngineFixture, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let names = Set((1...userCount).flatMap { n in (1...versions).map { name(n, $0) } + ["Stale \(id(n))"] })
        let phones = Set((1...userCount).flatMap { n in (1...versions).map { phone(n, $0) } })
        let emails = Set((1...userCount).map(email))
        let ids = Set((1...userCount).map(id))
        for user in f.sandbox.performChatUsers() {
            #expect(ids.contains(user.externalID), "perform.chat user \(user.externalID)", sourceLocation: sourceLocation)
            #expect(user.name.map(names.contains) ?? true, "perform.chat name \(String(describing: user.name))", sourceLocation: sourceLocation)
            #expect(user.email.map(emails.contains) ?? true, "perform.chat email \(String(describing: user.email))", sourceLocation: sourceLocation)
        }
        for user in f.sandbox.commBoxUsers() {
            let full = [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " ")
            #expect(user.firstName == "Stale" || names.contains(full), "CommBox name \(full)", sourceLocation: sourceLocation)
            #expect(user.phone1.map(phones.contains) ?? true, "CommBox Phone1 \(String(describing: user.phone1))", sourceLocation: sourceLocation)
            #expect(user.email.map(emails.contains) ?? true, "CommBox email \(String(describing: user.email))", sourceLocation: sourceLocation)
            #expect(user.uniqueID.map(ids.contains) ?? true, "CommBox UniqueId \(String(describing: user.uniqueID))", sourceLocation: sourceLocation)
        }
        #expect(f.sandbox.commBoxUsers().count == userCount, "no user was made from a cut e-mail", sourceLocation: sourceLocation)
    }

    func run(kind: String, file: String, content: (Int) -> String) async throws {
        try await withEngineFixture { f in
            // Given both providers know the users, and the file holds version 1, settled
            let path = f.path(in: file)
            try f.seedPerformChat(Self.users)
            try f.seedCommBox(Self.users)
            try Data(content(1).utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-5)], ofItemAtPath: path)
            let engine = try f.engine(EngineOptions(
                settleTime: "200ms", sourceKind: kind, sourceFile: file, metadataColumn: nil, phoneColumn: "phone"))
            _ = try await engine.runCycle()
            Self.expectOnlyCompleteValues(f)

            // When an application rewrites it in place, slowly, version after version, while
            // cycles run the way the daemon runs them
            let writer = InPlaceWriter(path: path, contents: (2...Self.versions).map(content))
            writer.start()
            var settling = 0
            var planned = 0
            let deadline = Date().addingTimeInterval(60)
            while !writer.finished() && Date() < deadline {
                let report = try await engine.runCycle()
                // Then no value the providers hold comes from a partial row, at any moment
                Self.expectOnlyCompleteValues(f)
                if let settlesAt = report.sourceSettlesAt {
                    settling += 1
                    #expect(report.plan.summary.rowsRead == 0)
                    let wait = max(0.01, settlesAt - Date().timeIntervalSince1970)
                    try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 20))
                } else {
                    if !report.plan.skippedUnchanged { planned += 1 }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(writer.finished() || Date() < deadline, "the writer finished in time")
            #expect(settling > 0, "cycles met the file while it was being written")

            // And once the application is done, the providers converge on the last version
            try await Task.sleep(for: .milliseconds(250))
            let last = try await engine.runCycle()
            #expect(last.sourceSettlesAt == nil)
            Self.expectOnlyCompleteValues(f)
            let final = (1...Self.userCount).map { SourceUser(id: Self.id($0), name: Self.name($0, Self.versions), email: Self.email($0)) }
            let byID = Dictionary(uniqueKeysWithValues: f.sandbox.performChatUsers().map { ($0.externalID, $0) })
            #expect(final.allSatisfy { byID[$0.id]?.name == $0.name })
            let phones = Set(f.sandbox.commBoxUsers().compactMap(\.phone1))
            #expect(phones == Set((1...Self.userCount).map { Self.phone($0, Self.versions) }))
            #expect(try engine.store.outboxCount() == 0)
        }
    }

    @Test("CSV written in place in chunks: every value pushed is a complete one", .timeLimit(.minutes(2)))
    func csvWrittenInPlace() async throws {
        try await run(kind: "csv", file: "users.csv", content: Self.csv(version:))
    }

    @Test("JSONL written in place in chunks: every value pushed is a complete one", .timeLimit(.minutes(2)))
    func jsonlWrittenInPlace() async throws {
        try await run(kind: "jsonl", file: "users.jsonl", content: Self.jsonl(version:))
    }

    @Test("a file that changes while a plan reads it leaves nothing of that plan in the outbox", .timeLimit(.minutes(2)))
    func changedDuringThePlan() async throws {
        try await withEngineFixture { f in
            // Given a settled source big enough that its plan streams several batches
            let users = (1...20_000).map { SourceUser.numbered($0) }
            try f.writeSource(users)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-5)], ofItemAtPath: f.sourcePath)
            let engine = try f.engine(EngineOptions(settleTime: "200ms"))
            // When an application starts appending to it just after the cycle starts
            let appender = Thread {
                usleep(30_000)
                let handle = FileHandle(forWritingAtPath: f.sourcePath)!
                handle.seekToEndOfFile()
                for n in 0..<40 {
                    handle.write(Data("{\"id\":\"late\(n)\",\"name\":\"La".utf8))
                    usleep(5_000)
                    handle.write(Data("te\",\"email\":\"late\(n)@example.com\"}\n".utf8))
                }
                try? handle.close()
            }
            appender.start()
            let disturbed = try await engine.runCycle(push: false)
            // Then the cycle planned nothing: no batch reached the outbox, the source is not
            // marked as seen, and nothing was sent
            #expect(disturbed.sourceSettlesAt != nil)
            #expect(try engine.store.outboxCount() == 0)
            #expect(try engine.store.sourceFingerprint() == nil)
            #expect(f.counts.performChat.total == 0 && f.counts.commBox.total == 0)

            // And once the file has settled, the next cycle plans all of it
            while !appender.isFinished {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(250))
            let settled = try await engine.runCycle(push: false)
            #expect(settled.sourceSettlesAt == nil)
            #expect(settled.plan.summary.rowsRead == 20_040)
            #expect(try engine.store.outboxCount() == 40_080)
        }
    }
}
