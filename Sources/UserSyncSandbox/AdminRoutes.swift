import Foundation

/// The `/_admin` API: seeding, remote edits, counters, faults, limits and credentials.
/// No authentication: the server only ever binds loopback.
enum AdminRoutes {
    static func handle(_ request: SandboxRequest, segments: [String], state: inout SandboxState, now: Date)
        -> SandboxOutcome
    {
        do {
            let body = try parseBody(request)
            return try route(request.method, segments, body: body, request: request, state: &state, now: now)
        } catch let error as SandboxError {
            if case .notFound(let message) = error { return .json(404, ["error": .string(message)]) }
            return .json(400, ["error": .string(error.description)])
        } catch {
            return .json(400, ["error": .string(String(describing: error))])
        }
    }

    private static func parseBody(_ request: SandboxRequest) throws -> SandboxJSON? {
        do { return try request.jsonBody() } catch { throw SandboxError.invalid("body is not valid JSON") }
    }

    private static func route(
        _ method: String, _ segments: [String], body: SandboxJSON?, request: SandboxRequest,
        state: inout SandboxState, now: Date
    ) throws -> SandboxOutcome {
        switch (method, segments) {
        case ("GET", ["health"]):
            return .json(200, ["status": "ok"])
        case ("POST", ["reset"]):
            state.reset()
            return .json(200, ["status": "reset"])
        case ("GET", ["performchat", "users"]):
            return .json(200, .array(state.performChat.users.map(\.json)))
        case ("POST", ["performchat", "users"]):
            let seeds = try array(body).map(SandboxPerformChatSeed.init(json:))
            return .json(200, .array(try state.performChat.seed(seeds, now: now).map(\.json)))
        case ("POST", let path) where path.count == 4 && path[0] == "performchat" && path[1] == "users" && path[3] == "edit":
            let change = try SandboxPerformChatChange(json: body ?? [:])
            return .json(200, try state.performChat.edit(externalID: path[2], change, now: now).json)
        case ("GET", ["commbox", "users"]):
            return .json(200, .array(state.commBox.users.map(\.adminJSON)))
        case ("POST", ["commbox", "users"]):
            let seeds = try array(body).map(SandboxCommBoxSeed.init(json:))
            return .json(200, .array(try state.commBox.seed(seeds, now: now).map(\.adminJSON)))
        case ("POST", let path) where path.count == 4 && path[0] == "commbox" && path[1] == "users" && path[3] == "edit":
            guard let id = Int(path[2]) else { throw SandboxError.invalid("commbox user id must be a number") }
            let change = try SandboxCommBoxChange(json: body ?? [:])
            return .json(200, try state.commBox.edit(id: id, change, now: now).adminJSON)
        case ("GET", ["requests"]):
            let tail = request.queryValue("limit").flatMap(Int.init)
            return .json(200, requestsJSON(state.log, tail: tail))
        case ("POST", ["requests", "reset"]):
            state.log.reset()
            return .json(200, ["status": "reset"])
        case ("GET", ["faults"]):
            return .json(200, .object(Dictionary(uniqueKeysWithValues: SandboxProvider.allCases.map { provider in
                (provider.rawValue, state[gate: provider].faults.json)
            })))
        case ("POST", ["faults"]):
            let (provider, faults) = try SandboxFaults.parse(body)
            state[gate: provider].faults.replace(with: faults)
            return .json(200, state[gate: provider].faults.json)
        case ("POST", ["limits"]):
            let object = try object(body)
            let provider = try SandboxProvider.parse(object["provider"])
            let limit = try state[gate: provider].limit.patched(with: object)
            state.setLimit(limit, for: provider)
            if provider == .performChat, let tokens = object["token_requests_per_minute"] {
                state.performChat.setTokenLimit(tokens == .null ? nil : try nonNegative(tokens, "token_requests_per_minute"))
            }
            return .json(200, limit.json)
        case ("POST", ["credentials"]):
            let reader = FieldReader(object: try object(body), context: "credentials")
            try reader.allowOnly(["keyId", "keySecret", "token"])
            var credentials = state.credentials
            credentials.performChatKeyID = try reader.string("keyId") ?? credentials.performChatKeyID
            credentials.performChatKeySecret = try reader.string("keySecret") ?? credentials.performChatKeySecret
            credentials.commBoxToken = try reader.string("token") ?? credentials.commBoxToken
            state.credentials = credentials
            return .json(200, ["status": "updated"])
        default:
            throw SandboxError.notFound("no admin route \(method) /_admin/\(segments.joined(separator: "/"))")
        }
    }

    static func requestsJSON(_ log: RequestLog, tail: Int?) -> SandboxJSON {
        var entries = log.recent
        if let tail, tail >= 0, entries.count > tail { entries = Array(entries.suffix(tail)) }
        var object: [String: SandboxJSON] = [:]
        for provider in SandboxProvider.allCases {
            let counts = log.counts[provider]
            object[provider.rawValue] = [
                "total": .int(counts.total),
                "byRoute": .object(counts.byRoute.mapValues(SandboxJSON.int)),
                "byStatus": .object(counts.byStatus.mapValues(SandboxJSON.int)),
            ]
        }
        object["log"] = .array(entries.map { entry in
            ["time": .string(SandboxTimestamp.milliseconds(entry.time)), "provider": .string(entry.provider.rawValue),
             "method": .string(entry.method), "path": .string(entry.path), "route": .string(entry.route),
             "status": .string(entry.status)]
        })
        return .object(object)
    }

    private static func array(_ body: SandboxJSON?) throws -> [SandboxJSON] {
        guard let values = body?.arrayValue else { throw SandboxError.invalid("body must be a JSON array of users") }
        return values
    }

    static func object(_ body: SandboxJSON?) throws -> [String: SandboxJSON] {
        guard let object = body?.objectValue else { throw SandboxError.invalid("body must be a JSON object") }
        return object
    }

    static func nonNegative(_ value: SandboxJSON, _ name: String) throws -> Int {
        guard let number = value.intValue, number >= 0 else {
            throw SandboxError.invalid("\(name) must be a non-negative integer or null")
        }
        return number
    }
}

extension SandboxProvider {
    static func parse(_ value: SandboxJSON?) throws -> SandboxProvider {
        guard let text = value?.stringValue, let provider = SandboxProvider(rawValue: text) else {
            throw SandboxError.invalid("provider must be \"performchat\" or \"commbox\"")
        }
        return provider
    }
}
