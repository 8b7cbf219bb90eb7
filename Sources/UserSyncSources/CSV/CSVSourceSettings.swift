import UserSyncConfig

/// `source.kind: csv`: `path` and `csv.delimiter`.
public enum CSVSourceSchema: SourceConfigSchema {
    public static let kind = CSVSource.kind
    public static let readsFile = true
    public static let ownKeys = ["path", "csv"]
    /// Configs written from the example carry `csv` whatever their kind.
    public static let keysOtherKindsIgnore = ["csv"]

    public static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> (any SourceKindSettings)? {
        let delimiter = Self.delimiter(reader.section(in: section, "csv", known: ["delimiter"]), reader: reader)
        return reader.requiredPath(section, "path").map { CSVSourceSettings(path: $0, delimiter: delimiter) }
    }

    /// `csv.delimiter`: one ASCII character other than a quote or a line break (default `,`).
    private static func delimiter(_ section: ConfigSection?, reader: ConfigDecoder) -> Character {
        guard let section else { return "," }
        let forbidden: Set<Character> = ["\"", "\n", "\r"]
        return reader.character(
            section, "delimiter",
            expected: "one ASCII character such as \",\", \";\", \"|\" or \"\\t\" (not a quote or a line break)",
            allowed: { $0.isASCII && !forbidden.contains($0) }) ?? ","
    }
}

/// `source.path` and `source.csv` of a CSV file.
public struct CSVSourceSettings: SourceKindSettings, Equatable {
    /// `source.path` (absolute).
    public var path: String
    /// `source.csv.delimiter`: one ASCII character (default `,`).
    public var delimiter: Character

    public init(path: String, delimiter: Character = ",") {
        self.path = path
        self.delimiter = delimiter
    }

    /// The delimiter as a byte (always ASCII: the loader rejects anything else).
    public var delimiterByte: UInt8 { delimiter.asciiValue ?? UInt8(ascii: ",") }

    public var location: String { path }
    public var needsInboundFile: Bool { true }

    public func render(into out: inout YAMLWriter) {
        out.field("path", YAMLWriter.quoted(path))
        out.open("csv")
        out.field("delimiter", YAMLWriter.quoted(String(delimiter), force: true))
        out.close()
    }
}

extension CSVSourceSettings: SourceOptionsApplying {
    public func apply(to options: inout SourceOptions) {
        options.csvDelimiter = delimiterByte
    }
}

extension UserSyncConfiguration.SourceSettings {
    /// The CSV kind's settings; nil for other kinds.
    public var csv: CSVSourceSettings? { options as? CSVSourceSettings }
}
