import Foundation
import Synchronization

/// Where the sandbox reads "now". Timestamps, rate windows and the authentication lockout all
/// read this clock, so tests can move time forward instead of sleeping. Injected latency is
/// real time (it is the event loop that waits).
public struct SandboxClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ now: @escaping @Sendable () -> Date) {
        self.read = now
    }

    public static let system = SandboxClock { Date() }

    public func now() -> Date { read() }
}

/// A clock that only moves when told to.
public final class SandboxManualClock: Sendable {
    private let current: Mutex<Date>

    public init(start: Date = Date(timeIntervalSince1970: 1_750_000_000)) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 += seconds }
    }

    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }

    public var clock: SandboxClock {
        SandboxClock { [self] in self.now }
    }
}

/// The wire formats of both providers' timestamps and of the `Retry-After` HTTP-date.
enum SandboxTimestamp {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// JavaScript's `toISOString()` shape, as a NestJS service like perform.chat emits it.
    static func milliseconds(_ date: Date) -> String {
        iso(date, fractionDigits: 3)
    }

    /// .NET's round-trip ("o") shape with seven fractional digits, as CommBox emits it.
    static func ticks(_ date: Date) -> String {
        iso(date, fractionDigits: 7)
    }

    static func iso(_ date: Date, fractionDigits: Int) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let scale = pow(10.0, Double(fractionDigits))
        var fraction = Int(((date.timeIntervalSince1970 - seconds) * scale).rounded(.down))
        fraction = min(max(fraction, 0), Int(scale) - 1)
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        var text = pad(parts.year!, 4) + "-" + pad(parts.month!, 2) + "-" + pad(parts.day!, 2)
        text += "T" + pad(parts.hour!, 2) + ":" + pad(parts.minute!, 2) + ":" + pad(parts.second!, 2)
        if fractionDigits > 0 { text += "." + pad(fraction, fractionDigits) }
        return text + "Z"
    }

    /// RFC 9110 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ date: Date) -> String {
        let parts = calendar.dateComponents(
            [.weekday, .year, .month, .day, .hour, .minute, .second],
            from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return days[parts.weekday! - 1] + ", " + pad(parts.day!, 2) + " " + months[parts.month! - 1] + " "
            + pad(parts.year!, 4) + " " + pad(parts.hour!, 2) + ":" + pad(parts.minute!, 2) + ":"
            + pad(parts.second!, 2) + " GMT"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
