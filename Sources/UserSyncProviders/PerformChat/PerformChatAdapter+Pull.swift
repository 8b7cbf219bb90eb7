import UserSyncCore

/// perform.chat's list pages 100 users per request: reading everyone costs total/100
/// requests, far less than one per user, so the pull pages the whole list.
extension PerformChatAdapter: PullingAdapter {
    public func pull(mapped: [MappedUser], budget: Int) async -> PullResult {
        var result = PullResult()
        var page = 1
        var totalPages = 1
        repeat {
            switch await listPage(page, filter: [:]) {
            case .failure(let failure):
                result.failure = failure.response
                return result
            case .success(let listed):
                result.users += listed.users
                totalPages = listed.totalPages
            }
            page += 1
        } while page <= totalPages
        result.covered = mapped.count
        return result
    }
}
