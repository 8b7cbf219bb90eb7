import Foundation
import Logging

/// A swift-log handler that writes one event per line (logfmt, JSON or journald), scrubbed
/// of secrets and e-mail addresses. swift-log ships no such handler, hence this one.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let settings: LogSettings
    /// Set on this handler alone (`logger.logLevel = ...`); otherwise the shared level applies.
    private var levelOverride: Logger.Level?
    let sink: @Sendable (String) -> Void

    public init(level: Logger.Level, format: LogLineFormat, scrubber: Scrubber, sink: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.init(settings: LogSettings(.init(level: level, format: format, scrubber: scrubber)), sink: sink)
    }

    /// A handler following `settings`, which a reload may change while it is in use.
    public init(settings: LogSettings, sink: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.settings = settings
        self.sink = sink
    }

    public var logLevel: Logger.Level {
        get { levelOverride ?? settings.current.level }
        set { levelOverride = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let current = settings.current
        let scrubber = current.scrubber
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { Self.order($0.key) < Self.order($1.key) }.map { ($0.key, scrubber.scrub("\($0.value)")) }
        let message = scrubber.scrub("\(event.message)")
        sink(Self.render(format: current.format, level: event.level, message: message, fields: fields, time: Date()) + "\n")
    }

    /// Fixed keys first so lines line up for the eye and for grep.
    static func order(_ key: String) -> String {
        switch key {
        case "run": return "0"
        case "provider": return "1"
        case "external_id": return "2"
        case "status": return "3"
        default: return "4" + key
        }
    }

    static func render(format: LogLineFormat, level: Logger.Level, message: String, fields: [(String, String)], time: Date) -> String {
        switch format {
        case .json:
            var parts = ["\"time\":\(jsonString(timestamp(time)))", "\"level\":\(jsonString(level.rawValue))", "\"msg\":\(jsonString(message))"]
            parts += fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }
            return "{" + parts.joined(separator: ",") + "}"
        case .logfmt:
            return (["time=\(timestamp(time))", "level=\(level.rawValue)", "msg=\(logfmtValue(message))"]
                + fields.map { "\($0.0)=\(logfmtValue($0.1))" }).joined(separator: " ")
        case .journald:
            // journald stamps the time itself; the <N> prefix becomes the entry's priority.
            return "<\(priority(level))>" + (["level=\(level.rawValue)", "msg=\(logfmtValue(message))"]
                + fields.map { "\($0.0)=\(logfmtValue($0.1))" }).joined(separator: " ")
        }
    }

    /// syslog priorities, so `journalctl -p warning` shows exactly warnings and worse.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.isNewline || $0 == "\t" }
        guard needsQuotes else { return value }
        var out = "\""
        for c in value {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.append(c)
            }
        }
        return out + "\""
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// One `write(2)` per line, so concurrent lines never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
