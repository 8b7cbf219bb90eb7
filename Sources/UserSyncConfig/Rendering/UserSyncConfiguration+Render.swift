import UserSyncCore
import Foundation

extension UserSyncConfiguration {
    /// The effective configuration as YAML (for `usersync check`): every default filled in,
    /// paths absolute, and every secret written as `<redacted>` with where it came from.
    ///
    /// The output is itself a valid config file (with placeholder secrets).
    public func renderEffective() -> String {
        var out = YAMLWriter()
        out.comment("usersync effective configuration: defaults filled in, secrets redacted")
        out.open("state")
        out.field("path", YAMLWriter.quoted(state.path))
        out.close()
        renderSource(into: &out)
        renderSyncAndRetry(into: &out)
        renderProviders(into: &out)
        out.open("log")
        out.field("level", log.level.rawValue)
        out.field("format", log.format.rawValue)
        out.field("show_pii", String(log.showPII))
        out.close()
        out.open("metrics")
        out.field("listen", metrics.listen.map { YAMLWriter.quoted($0.description) } ?? "~", comment: "~ = off")
        out.close()
        return out.text
    }

    private func renderSource(into out: inout YAMLWriter) {
        out.open("source")
        out.field("kind", source.kind)
        source.options.render(into: &out)
        out.open("fields")
        for (key, column) in Self.columnsByKey(source.fields, providers: providers.registered.map { $0.id }) {
            out.field(key, column.map { YAMLWriter.quoted($0) } ?? "~")
        }
        out.close()
        if let inbound = source.inboundPath { out.field("inbound_path", YAMLWriter.quoted(inbound)) }
        let ignored = source.schema.readsFile ? nil : "ignored for \(source.kind)"
        out.field("write_back", source.writeBack.rawValue, comment: ignored)
        out.field(
            "settle_time", DurationSyntax.format(source.settleTime),
            comment: ignored ?? (source.settleTime == .zero ? "read at once" : nil))
        out.close()
    }

    /// The YAML key of every canonical field, in file order, with its column (nil: not
    /// mapped); the providers' id fields follow in registration order, then `updated_at`.
    static func columnsByKey(_ fields: FieldMapping, providers: [ProviderID]) -> [(key: String, column: String?)] {
        [
            ("external_id", fields.externalID), ("name", fields.name), ("email", fields.email), ("metadata", fields.metadata),
            ("first_name", fields.firstName), ("last_name", fields.lastName), ("phone", fields.phone),
        ] + providers.map { ($0.idField, fields.providerIDs[$0]) } + [("updated_at", fields.updatedAt)]
    }

    private func renderSyncAndRetry(into out: inout YAMLWriter) {
        out.open("sync")
        out.field("interval", DurationSyntax.format(sync.interval))
        out.field("direction", sync.direction.rawValue)
        out.field("conflict_policy", sync.conflictPolicy.rawValue)
        out.field("deletions", sync.deletions.rawValue)
        out.field("pull_interval", DurationSyntax.format(sync.pullInterval))
        out.field("shutdown_timeout", DurationSyntax.format(sync.shutdownTimeout))
        out.open("guard")
        out.field("max_changed", MassChangeLimits.percent(sync.massChange.maxChanged))
        out.field("max_cleared", MassChangeLimits.percent(sync.massChange.maxCleared))
        out.field("min_users", "\(sync.massChange.minUsers)")
        out.close()
        out.close()
        out.open("retry")
        out.field("base_delay", DurationSyntax.format(retry.baseDelay))
        out.field("max_delay", DurationSyntax.format(retry.maxDelay))
        out.field("max_attempts", retry.maxAttempts.map(String.init) ?? "0", comment: retry.maxAttempts == nil ? "unlimited" : nil)
        out.field("max_age", retry.maxAge.map(DurationSyntax.format) ?? "0s", comment: retry.maxAge == nil ? "no age limit" : nil)
        out.field("open_after", "\(retry.openAfter)")
        out.close()
    }

    private func renderProviders(into out: inout YAMLWriter) {
        out.open("providers")
        for schema in providers.registered {
            out.open(schema.id.rawValue)
            if let settings = providers[schema.id] {
                out.field("enabled", "true")
                out.field("base_url", YAMLWriter.quoted(settings.baseURL.absoluteString))
                settings.renderCredentials(into: &out)
                out.field("requests_per_minute", String(settings.requestsPerMinute))
                out.field("concurrency", String(settings.concurrency))
                out.field("timeout", settings.timeout)
                out.field("auth_probe_interval", settings.authProbeInterval)
                out.field("missing_recheck_interval", settings.missingRecheckInterval)
                settings.renderOwnKeys(into: &out)
            } else {
                out.field("enabled", "false")
            }
            out.close()
        }
        out.close()
    }
}
