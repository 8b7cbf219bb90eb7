import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

@Suite("Pipelined reader")
struct PipelinedReaderTests {
    private static func item(_ number: Int) -> SourceItem {
        .row(SourceRow(location: SourceLocation(.line, number), columns: ["n": JSONValue(number)]))
    }

    @Test("delivers every item in order, then the producer's error")
    func orderThenError() throws {
        struct Broken: Error {}
        var seen: [Int] = []
        #expect(throws: Broken.self) {
            try PipelinedReader.run(
                produce: { emit in
                    for number in 1...5_000 { try emit(Self.item(number)) }
                    throw Broken()
                },
                consume: { seen.append($0.location.number) })
        }
        let inOrder = seen == Array(1...5_000)
        #expect(seen.count == 5_000)
        #expect(inOrder)
    }

    @Test("an error from the consumer stops the producer before read returns")
    func consumerStops() throws {
        struct Stop: Error {}
        let produced = Probe()
        #expect(throws: Stop.self) {
            try PipelinedReader.run(
                produce: { emit in
                    defer { produced.finish() }
                    for number in 1...1_000_000 {
                        try emit(Self.item(number))
                        produced.count()
                    }
                },
                consume: { item in if item.location.number == 10 { throw Stop() } })
        }
        let (count, finished) = produced.state
        #expect(finished)
        // Bounded look-ahead: the producer stopped within a few batches of the consumer.
        #expect(count <= (PipelinedReader.depth + 2) * PipelinedReader.batchSize)
    }
}

/// What the producer did, seen from the test thread.
private final class Probe: @unchecked Sendable {
    private let lock = NSLock()
    private var produced = 0
    private var finished = false

    func count() { lock.withLock { produced += 1 } }
    func finish() { lock.withLock { finished = true } }
    var state: (Int, Bool) { lock.withLock { (produced, finished) } }
}
