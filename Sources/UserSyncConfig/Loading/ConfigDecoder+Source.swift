import UserSyncCore
import Yams

/// `source`: the kind, then the keys every kind shares (column mapping, write-back, settling);
/// the kind's own keys are read by its registered schema.
extension ConfigDecoder {
    static let sharedSourceKeys = ["kind", "fields", "inbound_path", "write_back", "settle_time"]

    /// Every key `source` may hold under some registered kind.
    var sourceKeys: [String] {
        var keys = Self.sharedSourceKeys
        for schema in sources {
            keys += schema.ownKeys.filter { !keys.contains($0) }
        }
        return keys
    }

    /// The canonical fields, then each registered provider's id field, then the edit time.
    var fieldKeys: [String] {
        ["external_id", "name", "email", "metadata", "first_name", "last_name", "phone"] + providers.map { $0.id.idField } + ["updated_at"]
    }

    func decodeSource(_ section: ConfigSection?, statePath: String?) -> Config.SourceSettings? {
        guard let section else { return nil }
        let schema = sourceKind(section)
        let options = schema.flatMap { schema -> (any SourceKindSettings)? in
            refuseOtherKindsKeys(section, kind: schema)
            return schema.decode(section, reader: self)
        }
        let fields = decodeFields(requiredSection(in: section, "fields", known: fieldKeys))
        let inboundPath = self.path(section, "inbound_path")
        let writeBack = choice(section, "write_back", as: Config.WriteBackMode.self) ?? .inbound
        let settleTime = duration(section, "settle_time", allowZero: true) ?? Config.SourceSettings.defaultSettleTime

        guard let schema, let options, let fields else { return nil }
        var defaultInbound: String?
        if let statePath {
            defaultInbound = PathResolution.directory(of: statePath) + "/inbound.jsonl"
        }
        return Config.SourceSettings(
            schema: schema, options: options, fields: fields,
            inboundPath: options.needsInboundFile ? (inboundPath ?? defaultInbound) : nil,
            writeBack: writeBack, settleTime: settleTime)
    }

    /// `source.kind`, among the registered kinds.
    private func sourceKind(_ section: ConfigSection) -> (any SourceConfigSchema.Type)? {
        let names = sources.map { $0.kind }.joined(separator: ", ")
        guard let node = section.value("kind") else {
            reportMissing(section, "kind", "one of \(names)")
            return nil
        }
        if case let .scalar(scalar) = node, let schema = sources.first(where: { $0.kind == scalar.string }) {
            return schema
        }
        report(section, "kind", "expected one of \(names); got \(node.valueDescription)")
        return nil
    }

    /// A key only other kinds read is a mistake on this one (a `table` on a CSV file), named
    /// with the kinds it applies to.
    private func refuseOtherKindsKeys(_ section: ConfigSection, kind: any SourceConfigSchema.Type) {
        let ignored = Set(Self.sharedSourceKeys + kind.ownKeys + sources.flatMap { $0.keysOtherKindsIgnore })
        for name in sourceKeys where section.has(name) && !ignored.contains(name) {
            let owners = sources.filter { $0.ownKeys.contains(name) }.map { $0.kind }
            report(section, name, "applies only to \(owners.joined(separator: " and ")) sources (source.kind is \(kind.kind)); remove it")
        }
    }

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
        fields.updatedAt = text(section, "updated_at")
        return externalID == nil ? nil : fields
    }
}
