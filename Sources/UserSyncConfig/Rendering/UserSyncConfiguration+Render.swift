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
        out.field("kind", source.kind.rawValue)
        if let postgres = source.postgres {
            renderPostgres(postgres, into: &out)
        } else {
            out.field("path", YAMLWriter.quoted(source.path))
        }
        if let table = source.table { out.field("table", YAMLWriter.quoted(table)) }
        if let query = source.query { out.field("query", YAMLWriter.quoted(query)) }
        out.open("csv")
        out.field("delimiter", YAMLWriter.quoted(String(source.csv.delimiter), force: true))
        out.close()
        out.open("fields")
        for (key, column) in source.fields.columnsByKey {
            out.field(key, column.map { YAMLWriter.quoted($0) } ?? "~")
        }
        out.close()
        if let inbound = source.inboundPath { out.field("inbound_path", YAMLWriter.quoted(inbound)) }
        out.field("write_back", source.writeBack.rawValue, comment: source.kind.isDatabase ? "ignored for \(source.kind.rawValue)" : nil)
        out.field(
            "settle_time", DurationSyntax.format(source.settleTime),
            comment: source.kind.isDatabase ? "ignored for \(source.kind.rawValue)" : (source.settleTime == .zero ? "read at once" : nil))
        out.close()
    }

    private func renderPostgres(_ postgres: PostgresSettings, into out: inout YAMLWriter) {
        out.field("url", YAMLWriter.quoted(postgres.url))
        if let password = postgres.password {
            out.field("password", "<redacted>", comment: "from \(password.origin)")
        }
        out.field("sslmode", postgres.sslMode?.rawValue ?? "~", comment: postgres.sslMode == nil ? "require, or disable on loopback" : nil)
        if let file = postgres.sslRootCert {
            out.field("ssl_root_cert", YAMLWriter.quoted(file))
        }
        out.field("statement_timeout", DurationSyntax.format(postgres.statementTimeout))
        out.field("lock_timeout", DurationSyntax.format(postgres.lockTimeout))
        out.field("change_column", postgres.changeColumn.map { YAMLWriter.quoted($0) } ?? "~", comment: postgres.changeColumn == nil ? "every cycle reads every row" : nil)
        out.field("change_overlap", DurationSyntax.format(postgres.changeOverlap))
        out.field("full_scan_interval", DurationSyntax.format(postgres.fullScanInterval))
        out.field("notify_channel", postgres.notifyChannel.map { YAMLWriter.quoted($0) } ?? "~", comment: postgres.notifyChannel == nil ? "no wake-up: sync.interval" : nil)
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
        out.open("performchat")
        if let performChat = providers.performChat {
            out.field("enabled", "true")
            out.field("base_url", YAMLWriter.quoted(performChat.baseURL.absoluteString))
            out.field("key_id", YAMLWriter.quoted(performChat.keyID))
            out.field("key_secret", "<redacted>", comment: "from \(performChat.keySecret.origin)")
            out.field("requests_per_minute", String(performChat.requestsPerMinute))
            out.field("concurrency", String(performChat.concurrency))
            out.field("timeout", DurationSyntax.format(performChat.timeout))
            out.field("auth_probe_interval", DurationSyntax.format(performChat.authProbeInterval))
            out.field("missing_recheck_interval", DurationSyntax.format(performChat.missingRecheckInterval))
            out.field("create_missing", String(performChat.createMissing))
            out.field("agent_id", performChat.agentID.map { YAMLWriter.quoted($0) } ?? "~")
        } else {
            out.field("enabled", "false")
        }
        out.close()
        out.open("commbox")
        if let commBox = providers.commBox {
            out.field("enabled", "true")
            out.field("base_url", YAMLWriter.quoted(commBox.baseURL.absoluteString))
            out.field("token", "<redacted>", comment: "from \(commBox.token.origin)")
            out.field("requests_per_minute", String(commBox.requestsPerMinute))
            out.field("concurrency", String(commBox.concurrency))
            out.field("timeout", DurationSyntax.format(commBox.timeout))
            out.field("auth_probe_interval", DurationSyntax.format(commBox.authProbeInterval))
            out.field("missing_recheck_interval", DurationSyntax.format(commBox.missingRecheckInterval))
            out.field("stream_provider_type", String(commBox.streamProviderType))
            out.field("pull_budget", String(commBox.pullBudget))
            if commBox.content.isEmpty {
                out.field("content", "{}")
            } else {
                out.open("content")
                for key in commBox.content.keys.sorted() {
                    out.field(YAMLWriter.quoted(key), YAMLWriter.quoted(commBox.content[key] ?? ""))
                }
                out.close()
            }
        } else {
            out.field("enabled", "false")
        }
        out.close()
        out.close()
    }
}
