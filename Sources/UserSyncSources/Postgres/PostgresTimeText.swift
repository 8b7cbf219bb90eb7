/// PostgreSQL's binary dates and timestamps as the ISO 8601 text `to_json` gives them
/// (`2026-12-06`, `2026-12-06T08:31:25.5`, with `+00:00` for `timestamptz`, which is
/// always rendered in UTC here: the same instant whatever the server's TimeZone).
///
/// Formatting here rather than on the server: `to_json` of a timestamp column cost the server
/// a third of its time per row in the benchmark.
enum PostgresTimeText {
    /// Days since 2000-01-01 (PostgreSQL's epoch) to 1970-01-01.
    private static let epochDays: Int64 = 10957
    private static let microsecondsPerDay: Int64 = 86_400_000_000

    /// A `date`: days since 2000-01-01; the extremes are the infinities.
    static func date(_ days: Int32) -> String {
        if days == .max { return "infinity" }
        if days == .min { return "-infinity" }
        var text: [UInt8] = []
        text.reserveCapacity(16)
        appendDate(Int64(days), to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// A `timestamp` (`utc: false`) or `timestamptz` (`utc: true`): microseconds since
    /// 2000-01-01 00:00 (UTC for timestamptz); the extremes are the infinities.
    static func timestamp(_ microseconds: Int64, utc: Bool) -> String {
        if microseconds == .max { return "infinity" }
        if microseconds == .min { return "-infinity" }
        var days = microseconds / microsecondsPerDay
        var rest = microseconds % microsecondsPerDay
        if rest < 0 {
            days -= 1
            rest += microsecondsPerDay
        }
        var text: [UInt8] = []
        text.reserveCapacity(40)
        let seconds = rest / 1_000_000
        var fraction = rest % 1_000_000
        var bc = false
        appendDate(days, to: &text, bc: &bc)
        text.append(UInt8(ascii: "T"))
        appendDigits(seconds / 3600, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(seconds / 60 % 60, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, width: 2, to: &text)
        if fraction != 0 {
            // As PostgreSQL: the digits of the microseconds, trailing zeros dropped.
            var width = 6
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            text.append(UInt8(ascii: "."))
            appendDigits(fraction, width: width, to: &text)
        }
        if utc { text.append(contentsOf: "+00:00".utf8) }
        if bc { text.append(contentsOf: " BC".utf8) }
        return String(decoding: text, as: UTF8.self)
    }

    private static func appendDate(_ days: Int64, to text: inout [UInt8]) {
        var bc = false
        appendDate(days, to: &text, bc: &bc)
        if bc { text.append(contentsOf: " BC".utf8) }
    }

    /// `YYYY-MM-DD` of `days` since 2000-01-01 (proleptic Gregorian). Years before 1 are
    /// written as PostgreSQL does: 1 - year, and `bc` set for the caller's " BC" suffix.
    private static func appendDate(_ days: Int64, to text: inout [UInt8], bc: inout Bool) {
        // Howard Hinnant's civil_from_days, from 1970-01-01.
        let z = days + epochDays + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        var year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        if year <= 0 {
            year = 1 - year
            bc = true
        }
        appendDigits(year, width: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &text)
    }

    /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
    private static func appendDigits(_ value: Int64, width: Int, to text: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            while count < width {
                buffer[count] = UInt8(ascii: "0")
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { text.append(buffer[index]) }
        }
    }
}
