import Testing
@testable import UserSyncDaemon

@Suite("Daemon: retry after a failed cycle")
struct CycleRetryDelayTests {
    @Test("2 s, 4 s, 8 s … up to 5 minutes, never later than sync.interval")
    func backoff() {
        let hour = Duration.seconds(3600)
        #expect(SyncService.retryDelay(failures: 1, interval: hour) == 2)
        #expect(SyncService.retryDelay(failures: 2, interval: hour) == 4)
        #expect(SyncService.retryDelay(failures: 3, interval: hour) == 8)
        #expect(SyncService.retryDelay(failures: 12, interval: hour) == 300)
        #expect(SyncService.retryDelay(failures: 1000, interval: hour) == 300)
        #expect(SyncService.retryDelay(failures: 5, interval: .seconds(10)) == 10)
    }
}
