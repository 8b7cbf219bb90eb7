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
        return String(unsafeUninitializedCapacity: 32) { buffer in
            var writer = Writer(buffer: buffer)
            let bc = writer.date(Int64(days))
            if bc { writer.append(" BC") }
            return writer.count
        }
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
        let seconds = rest / 1_000_000
        var fraction = rest % 1_000_000
        return String(unsafeUninitializedCapacity: 48) { buffer in
            var writer = Writer(buffer: buffer)
            let bc = writer.date(days)
            writer.append("T")
            writer.digits(seconds / 3600, width: 2)
            writer.append(":")
            writer.digits(seconds / 60 % 60, width: 2)
            writer.append(":")
            writer.digits(seconds % 60, width: 2)
            if fraction != 0 {
                // As PostgreSQL: the digits of the microseconds, trailing zeros dropped.
                var width = 6
                while fraction % 10 == 0 {
                    fraction /= 10
                    width -= 1
                }
                writer.append(".")
                writer.digits(fraction, width: width)
            }
            if utc { writer.append("+00:00") }
            if bc { writer.append(" BC") }
            return writer.count
        }
    }

    /// Writes ASCII into a string's buffer (large enough: at most a 19-digit year and 28 more bytes).
    private struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes in
                for byte in bytes {
                    buffer[count] = byte
                    count += 1
                }
            }
        }

        /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
        mutating func digits(_ value: Int64, width: Int) {
            var length = 1
            var scale: Int64 = 10
            while length < 19 && value >= scale {
                length += 1
                scale *= 10
            }
            length = max(length, width)
            var rest = value
            for index in stride(from: count + length - 1, through: count, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            count += length
        }

        /// `YYYY-MM-DD` of `days` since 2000-01-01 (proleptic Gregorian); true for a year
        /// before 1, written as PostgreSQL does: 1 - year, and " BC" after everything else.
        mutating func date(_ days: Int64) -> Bool {
            // Howard Hinnant's civil_from_days, from 1970-01-01.
            let z = days + epochDays + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthIndex = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
            let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            digits(year <= 0 ? 1 - year : year, width: 4)
            append("-")
            digits(month, width: 2)
            append("-")
            digits(day, width: 2)
            return year <= 0
        }
    }
}
