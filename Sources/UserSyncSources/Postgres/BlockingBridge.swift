import Foundation
import UserSyncCore

/// Runs async PostgresNIO code for the synchronous `UserSource` / `SourceWriteBack` seams.
///
/// The calling thread blocks until the work is done; the work itself runs as a task whose
/// executor is one dedicated thread, never the cooperative pool. Blocking a pool thread
/// while waiting for a task that needs a pool thread could deadlock on a 2-core machine
/// (the pool is 2 threads wide); with the dedicated thread it cannot.
enum BlockingBridge {
    /// The thread every PostgreSQL task of the process runs on. Reads and writes interleave
    /// on it at their suspension points; none of them blocks it for long but the caller's
    /// row handler.
    static let executor = ThreadTaskExecutor(name: "usersync-postgres")

    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task(executorPreference: executor) {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// Written by the task before the semaphore is signalled, read by the caller after: the
/// semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// A `TaskExecutor` that runs every job on one thread of its own, in order.
final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

/// Carries the caller's row handler into the bridged task. Safe because the caller is
/// blocked for as long as the task may call it, and `release()`s it before going on.
final class HandlerBox: @unchecked Sendable {
    private var body: ((SourceItem) throws -> Void)?

    init(_ body: @escaping (SourceItem) throws -> Void) {
        self.body = body
    }

    func call(_ item: SourceItem) throws {
        try body?(item)
    }

    func release() {
        body = nil
    }
}
