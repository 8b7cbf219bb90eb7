import Foundation
import UserSyncCore

/// Runs a source's reading and parsing on a thread of its own, one batch ahead of the
/// caller, so that parsing overlaps whatever the caller does with each row (mapping,
/// planning): on two cores the read costs about max(parse, consume) instead of their sum.
///
/// Order is kept (one producer), memory stays bounded (at most `depth` batches in flight),
/// and `body` still runs on the caller's thread. Batches the caller is done with go back to
/// the reader thread to be freed there: freeing a million rows' dictionaries cost the
/// caller (the planner, the slower side) about a tenth of its time, and memory is cheaper
/// to free on the thread that allocated it. The producer's error reaches the caller
/// after every item produced before it; an error thrown by `body` stops the producer and
/// is rethrown once the producer has finished, so no work outlives `read`.
enum PipelinedReader {
    static let batchSize = 1024
    static let depth = 4

    static func run(
        produce: @escaping @Sendable (_ emit: (SourceItem) throws -> Void) throws -> Void,
        consume body: (SourceItem) throws -> Void
    ) throws {
        let channel = BatchChannel(depth: depth)
        let thread = Thread {
            var batch: [SourceItem] = []
            batch.reserveCapacity(batchSize)
            do {
                try produce { item in
                    batch.append(item)
                    if batch.count == batchSize {
                        guard channel.send(batch) else { throw BatchChannel.Cancelled() }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = channel.send(batch) }
                channel.finish(nil)
            } catch is BatchChannel.Cancelled {
                channel.finish(nil)
            } catch {
                // The items produced before the error still reach the caller first.
                if !batch.isEmpty { _ = channel.send(batch) }
                channel.finish(error)
            }
        }
        thread.name = "usersync source reader"
        thread.stackSize = 8 << 20
        thread.start()

        do {
            while let batch = try channel.receive() {
                // By index: each item is lent to `body`, not copied out of the batch.
                for index in batch.indices { try body(batch[index]) }
                channel.recycle(batch)
            }
        } catch {
            channel.cancelAndWait()
            throw error
        }
    }
}

/// A bounded, single-producer single-consumer queue of item batches.
private final class BatchChannel: @unchecked Sendable {
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private let depth: Int
    // Guarded by `condition`.
    private var queue: [[SourceItem]] = []
    /// Consumed batches, freed by the producer on its next send.
    private var spent: [[SourceItem]] = []
    private var done = false
    private var failure: (any Error)?
    private var cancelled = false

    init(depth: Int) {
        self.depth = depth
    }

    /// Blocks while the queue is full; false once the consumer has gone.
    func send(_ batch: [SourceItem]) -> Bool {
        condition.lock()
        while queue.count >= depth && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            return false
        }
        queue.append(batch)
        condition.broadcast()
        var consumed: [[SourceItem]] = []
        swap(&consumed, &spent)
        condition.unlock()
        // Freed here, on the producer's thread, outside the lock.
        consumed.removeAll()
        return true
    }

    /// Hands a consumed batch back to be freed by the producer (never blocks).
    func recycle(_ batch: consuming [SourceItem]) {
        condition.lock()
        defer { condition.unlock() }
        if !done { spent.append(batch) }
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        done = true
        failure = error
        condition.broadcast()
    }

    /// The next batch; nil at the end; throws the producer's error after its last batch.
    func receive() throws -> [SourceItem]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !done { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer and waits until it has finished.
    func cancelAndWait() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        while !done { condition.wait() }
    }
}
