import UserSyncCore
import Yams

/// `source`: kind, location, column mapping and write-back.
extension ConfigDecoder {
    static let sourceKeys = ["kind", "path", "table", "query", "csv", "fields", "inbound_path", "write_back", "settle_time"] + postgresKeys
    /// The canonical fields, then each registered provider's id field.
    var fieldKeys: [String] {
        ["external_id", "name", "email", "metadata", "first_name", "last_name", "phone"] + providers.map { $0.id.idField }
    }

    func decodeSource(_ section: ConfigSection?, statePath: String?) -> Config.SourceSettings? {
        guard let section else { return nil }
        let kind: Config.SourceKind?
        if section.has("kind") {
            kind = choice(section, "kind", as: Config.SourceKind.self)
        } else {
            kind = nil
            reportMissing(section, "kind", "one of jsonl, json, csv, sqlite, postgres")
        }
        let postgres = decodePostgres(section, kind: kind)
        let path = kind == .postgres ? postgres?.url : requiredPath(section, "path")
        var table = text(section, "table")
        var query = text(section, "query")
        if let kind {
            checkTableAndQuery(section, kind: kind, table: &table, query: &query)
        }
        let csv = decodeCSV(self.section(in: section, "csv", known: ["delimiter"]))
        let fields = decodeFields(requiredSection(in: section, "fields", known: fieldKeys))
        let inboundPath = self.path(section, "inbound_path")
        let writeBack = choice(section, "write_back", as: Config.WriteBackMode.self) ?? .inbound
        let settleTime = duration(section, "settle_time", allowZero: true) ?? Config.SourceSettings.defaultSettleTime

        guard let kind, let path, let fields else { return nil }
        var defaultInbound: String?
        if let statePath {
            defaultInbound = PathResolution.directory(of: statePath) + "/inbound.jsonl"
        }
        return Config.SourceSettings(
            kind: kind,
            path: path,
            table: table,
            query: query,
            csv: csv,
            fields: fields,
            inboundPath: kind.isFile || (kind == .postgres && query != nil) ? (inboundPath ?? defaultInbound) : nil,
            writeBack: writeBack,
            settleTime: settleTime,
            postgres: postgres
        )
    }

    /// sqlite: exactly one of table/query, and a query must be read-only. Files: neither.
    private func checkTableAndQuery(
        _ section: ConfigSection, kind: Config.SourceKind, table: inout String?, query: inout String?
    ) {
        guard kind.isDatabase else {
            for name in ["table", "query"] where section.has(name) {
                report(section, name, "applies only to sqlite and postgres sources (source.kind is \(kind.rawValue)); remove it")
            }
            table = nil
            query = nil
            return
        }
        if section.has("table"), section.has("query") {
            report(section, "query", "give either source.table or source.query, not both")
        } else if !section.has("table"), !section.has("query") {
            report(section.key("table"), line: section.line,
                   "a \(kind.rawValue) source needs source.table (a table name) or source.query (a SELECT)")
        }
        if let text = query, !SQLQueryRule.isReadOnly(text) {
            report(section, "query", "must be a read-only query starting with SELECT or WITH")
            query = nil
        }
    }

    private func decodeCSV(_ section: ConfigSection?) -> Config.CSVSettings {
        var csv = Config.CSVSettings()
        guard let section, let node = section.value("delimiter") else { return csv }
        let forbidden: Set<Character> = ["\"", "\n", "\r"]
        guard case let .scalar(scalar) = node, scalar.string.count == 1, let character = scalar.string.first,
              character.isASCII, !forbidden.contains(character)
        else {
            report(section, "delimiter", "expected one ASCII character such as \",\", \";\", \"|\" or \"\\t\" "
                + "(not a quote or a line break), got \(node.valueDescription)")
            return csv
        }
        csv.delimiter = character
        return csv
    }

    /// Only what the file maps: a canonical field it does not name is not read.
    private func decodeFields(_ section: ConfigSection?) -> FieldMapping? {
        guard let section else { return nil }
        let externalID = requiredText(section, "external_id", hint: "the source column holding each user's id")
        var fields = FieldMapping(externalID: externalID ?? "", name: nil, email: nil, metadata: nil)
        fields.name = text(section, "name")
        fields.email = text(section, "email")
        fields.metadata = text(section, "metadata")
        fields.firstName = text(section, "first_name")
        fields.lastName = text(section, "last_name")
        fields.phone = text(section, "phone")
        for schema in providers {
            fields.providerIDs[schema.id] = text(section, schema.id.idField)
        }
        return externalID == nil ? nil : fields
    }
}
