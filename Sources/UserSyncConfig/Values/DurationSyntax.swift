import Foundation

/// The duration syntax of the config file: `250ms`, `30s`, `5m`, `1h`, and sums of them
/// written together (`1h30m`, `2m30s`).
public enum DurationSyntax {
    enum Failure: Error, Equatable {
        case empty
        case negative
        case missingUnit
        case unknownUnit(String)
        case malformed
        case tooLarge
    }

    /// Milliseconds per unit, longest unit name first so `ms` wins over `m`.
    private static let units: [(name: String, milliseconds: Int64)] = [
        ("ms", 1), ("h", 3_600_000), ("m", 60_000), ("s", 1_000),
    ]

    static let unitList = "ms, s, m or h"
    static let examples = "250ms, 30s, 5m, 1h or 1h30m"

    static func parse(_ text: String) -> Result<Duration, Failure> {
        let scalars = Array(text.trimmingCharacters(in: .whitespaces).unicodeScalars)
        guard !scalars.isEmpty else { return .failure(.empty) }
        if scalars[0] == "-" { return .failure(.negative) }
        var index = 0
        var total: Int64 = 0
        while index < scalars.count {
            var number: Int64 = 0
            let digitsStart = index
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                let digit = Int64(scalars[index].value - 48)
                let (times10, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(digit)
                if overflow1 || overflow2 { return .failure(.tooLarge) }
                number = sum
                index += 1
            }
            guard index > digitsStart else { return .failure(.malformed) }
            let unitStart = index
            while index < scalars.count, ("a"..."z").contains(scalars[index]) || ("A"..."Z").contains(scalars[index]) {
                index += 1
            }
            let unitName = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            if unitName.isEmpty {
                return .failure(index == scalars.count ? .missingUnit : .malformed)
            }
            guard let unit = units.first(where: { $0.name == unitName }) else {
                return .failure(.unknownUnit(unitName))
            }
            let (part, overflow1) = number.multipliedReportingOverflow(by: unit.milliseconds)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            if overflow1 || overflow2 { return .failure(.tooLarge) }
            total = sum
        }
        return .success(.milliseconds(total))
    }

    /// The shortest spelling `parse` reads back to the same value (`1h30m`, `250ms`, `0s`).
    public static func format(_ duration: Duration) -> String {
        let components = duration.components
        var milliseconds = components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
        guard milliseconds != 0 else { return "0s" }
        let sign = milliseconds < 0 ? "-" : ""
        milliseconds = abs(milliseconds)
        var text = ""
        for (name, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
            let count = milliseconds / size
            if count > 0 { text += "\(count)\(name)" }
            milliseconds %= size
        }
        return sign + text
    }
}
