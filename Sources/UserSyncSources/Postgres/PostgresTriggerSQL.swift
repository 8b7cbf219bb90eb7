/// The SQL an operator installs so that the database wakes usersync up
/// (`usersync postgres trigger-sql`). usersync never runs it itself: it never alters the
/// application's schema.
public enum PostgresTriggerSQL {
    /// The function and statement-level trigger that `NOTIFY` `channel` after any change to
    /// `table`, and, with a change column, the row trigger that keeps that column current.
    public static func text(table: String?, channel: String, changeColumn: String?) -> String {
        let target = table.map(PostgresSession.quotedTable) ?? "<each table the query reads>"
        let function = PostgresSession.quoted("usersync_notify_\(channel)".prefix(63).description)
        var sql = """
            -- usersync: wake the daemon up within a second of any change (source.notify_channel: \(channel)).
            -- Run as the table's owner. One NOTIFY per statement, whatever the number of rows.
            CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify(\(PostgresSession.literal(channel)), TG_TABLE_NAME);
              RETURN NULL;
            END $$;
            DROP TRIGGER IF EXISTS usersync_notify ON \(target);
            CREATE TRIGGER usersync_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(target)
              FOR EACH STATEMENT EXECUTE FUNCTION \(function)();

            """
        if let changeColumn {
            let column = PostgresSession.quoted(changeColumn)
            sql += """

                -- Optional: keep source.change_column current on every update, if the application
                -- does not already (a write-back by usersync then counts as a change too).
                -- For a timestamptz column; a bigint one takes nextval('<a sequence>') instead.
                CREATE OR REPLACE FUNCTION usersync_touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.\(column) := clock_timestamp();
                  RETURN NEW;
                END $$;
                DROP TRIGGER IF EXISTS usersync_touch ON \(target);
                CREATE TRIGGER usersync_touch BEFORE UPDATE ON \(target)
                  FOR EACH ROW EXECUTE FUNCTION usersync_touch();

                """
        }
        return sql
    }
}
