import Foundation

/// When a user was last edited: a source row's `source.fields.updated_at` column, or a
/// provider's `updated_at` / `updatedAt`. ISO 8601 text (`2026-12-06T08:31:25.5+00:00`,
/// `2026-12-06 08:31:25Z`; without an offset it is UTC, as SQLite's `datetime('now')` writes
/// it) or a number of seconds since 1970.
public enum EditTime {
    /// Seconds since 1970; nil for anything else (the conflict then falls back to local).
    public static func seconds(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let literal)?:
            guard let seconds = Double(literal), seconds.isFinite else { return nil }
            return seconds
        case .string(let text)?:
            return seconds(text.trimmingCharacters(in: .whitespaces))
        default:
            return nil
        }
    }

    /// `YYYY-MM-DD[T| ]hh:mm[:ss[.f…]][Z|±hh[:mm]]`, or a date alone (midnight UTC). Any
    /// number of fractional digits (.NET writes seven, which Foundation's ISO 8601 parser refuses).
    public static func seconds(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), skip(UInt8(ascii: "-")), let month = number(2), skip(UInt8(ascii: "-")), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offset = 0
        if index < bytes.count {
            guard skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")) || skip(UInt8(ascii: " ")),
                let h = number(2), skip(UInt8(ascii: ":")), let m = number(2), h < 24, m < 60
            else { return nil }
            hour = h
            minute = m
            if skip(UInt8(ascii: ":")) {
                guard let s = number(2), s < 61 else { return nil }
                second = s
                if skip(UInt8(ascii: ".")) || skip(UInt8(ascii: ",")) {
                    var scale = 0.1
                    var digits = 0
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                        fraction += Double(bytes[index] - 0x30) * scale
                        scale /= 10
                        index += 1
                        digits += 1
                    }
                    guard digits > 0 else { return nil }
                }
            }
            if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) {
                // UTC
            } else if index < bytes.count {
                let sign: Int
                if skip(UInt8(ascii: "+")) { sign = 1 } else if skip(UInt8(ascii: "-")) { sign = -1 } else { return nil }
                guard let oh = number(2), oh < 24 else { return nil }
                var om = 0
                if index < bytes.count {
                    _ = skip(UInt8(ascii: ":"))
                    guard let m = number(2), m < 60 else { return nil }
                    om = m
                }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard index == bytes.count else { return nil }
        return Double(daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    /// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar.
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
