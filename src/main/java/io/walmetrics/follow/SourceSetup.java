package io.walmetrics.follow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * What follow checks on the source before it makes a slot, and again whenever it (re)starts the
 * stream, so that a set-up that cannot work fails before anything exists on the server: the role
 * may replicate, every source has a table in the chosen schema, none of them is partitioned, the
 * role may SELECT each of them, and each has a replica identity with which its updates and deletes
 * reach the slot. Each refusal is a {@link SourceProblem} of one line naming what was found and the
 * statement that fixes it.
 */
final class SourceSetup {

    /** A source table found in the schema: its name as wal2json writes it, and as SQL quotes it. */
    record Table(String name, String qualified) {
    }

    private final PgSource source;
    private final String schema;
    /** Source name -> the table names wal2json may write for it (both namings), in order. */
    private final SortedMap<String, List<String>> namesBySource;

    SourceSetup(PgSource source, String schema, SortedMap<String, List<String>> namesBySource) {
        this.source = source;
        this.schema = schema;
        this.namesBySource = namesBySource;
    }

    /** REPLICATION is an attribute of the role itself (not inherited), or superuser. */
    void requireReplicationRole(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "select rolreplication or rolsuper from pg_roles where rolname = current_user")) {
            if (!rows.next() || !rows.getBoolean(1)) {
                throw SourceProblem.noReplicationRole(source, null);
            }
        }
    }

    /** The source tables of the schema, each present, readable and with a usable replica identity. */
    List<Table> requireTables(Connection connection) throws SQLException {
        List<String> allNames = namesBySource.values().stream().flatMap(List::stream).toList();
        Map<String, Found> found = new LinkedHashMap<>();
        String role;
        try (PreparedStatement query = connection.prepareStatement("""
                select c.relname, format('%I.%I', n.nspname, c.relname), c.relreplident::text, c.relkind::text,
                       has_table_privilege(c.oid, 'select'),
                       exists (select 1 from pg_index as i where i.indrelid = c.oid and i.indisprimary),
                       exists (select 1 from pg_index as i where i.indrelid = c.oid and i.indisreplident)
                from pg_class as c
                join pg_namespace as n on n.oid = c.relnamespace
                where n.nspname = ? and c.relname = any (?) and c.relkind in ('r', 'p')
                order by c.relname""")) {
            query.setString(1, schema);
            query.setArray(2, connection.createArrayOf("text", allNames.toArray()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getString(1), new Found(new Table(rows.getString(1), rows.getString(2)),
                            rows.getString(3).charAt(0), rows.getString(4).equals("p"), rows.getBoolean(5),
                            rows.getBoolean(6), rows.getBoolean(7)));
                }
            }
            role = currentRole(connection);
        }
        requirePresent(found);
        requireNotPartitioned(found);
        requireSelect(found, role);
        requireReplicaIdentity(found);
        return found.values().stream().map(Found::table).toList();
    }

    private record Found(Table table, char replicaIdentity, boolean partitioned, boolean readable, boolean primaryKey,
                         boolean identityIndex) {
    }

    private void requirePresent(Map<String, Found> found) {
        List<String> missing = new ArrayList<>();
        namesBySource.forEach((sourceName, names) -> {
            if (names.stream().noneMatch(found::containsKey)) {
                missing.add(sourceName + " (looked for " + String.join(" or ", names) + ")");
            }
        });
        if (!missing.isEmpty()) {
            throw new SourceProblem(source.display() + ": schema " + schema + " has no table for source "
                    + String.join(", ", missing) + ": create " + (missing.size() == 1 ? "it" : "them")
                    + " there, or name the schema that holds the source tables with --schema", false, null);
        }
    }

    /**
     * A partitioned table holds no rows itself: wal2json writes its rows' changes under the names
     * of its partitions, which are no source tables, and the snapshot reads the table only.
     */
    private void requireNotPartitioned(Map<String, Found> found) {
        List<String> partitioned = found.values().stream().filter(Found::partitioned)
                .map(table -> table.table().qualified()).toList();
        if (!partitioned.isEmpty()) {
            boolean one = partitioned.size() == 1;
            throw new SourceProblem(source.display() + ": " + (one ? "table " : "tables ") + String.join(", ", partitioned)
                    + (one ? " is a partitioned table: its rows are in its partitions" : " are partitioned tables: their rows"
                    + " are in their partitions") + ", whose changes wal2json writes under the partitions' names, so none"
                    + " would reach the loader; a source table must be a plain table (checked before any slot is made)",
                    false, null);
        }
    }

    private void requireSelect(Map<String, Found> found, String role) {
        List<String> unreadable = found.values().stream().filter(table -> !table.readable())
                .map(table -> table.table().qualified()).toList();
        if (!unreadable.isEmpty()) {
            String tables = String.join(", ", unreadable);
            throw new SourceProblem(source.display() + ": role " + role + " may not read " + tables + " (no SELECT"
                    + "; checked before any slot is made): GRANT SELECT ON " + tables + " TO " + role, false, null);
        }
    }

    private void requireReplicaIdentity(Map<String, Found> found) {
        List<String> refused = new ArrayList<>();
        for (Found table : found.values()) {
            String name = table.table().qualified();
            String has = switch (table.replicaIdentity()) {
                case 'f' -> null;
                case 'd' -> table.primaryKey() ? null : "REPLICA IDENTITY DEFAULT and no primary key";
                case 'i' -> table.identityIndex() ? null : "REPLICA IDENTITY USING INDEX of an index that is gone";
                default -> "REPLICA IDENTITY NOTHING";
            };
            if (has != null) {
                String fix = table.primaryKey() ? "DEFAULT" : "FULL";
                refused.add("table " + name + " has " + has + ", so PostgreSQL decodes its updates and deletes without"
                        + " a key and wal2json drops them: run ALTER TABLE " + name + " REPLICA IDENTITY " + fix);
            }
        }
        if (!refused.isEmpty()) {
            throw new SourceProblem(source.display() + ": " + String.join("; ", refused), false, null);
        }
    }

    private static String currentRole(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select quote_ident(current_user)")) {
            rows.next();
            return rows.getString(1);
        }
    }

    /**
     * The add-tables value that makes wal2json write this schema's source tables only. wal2json
     * splits the list at unescaped commas and whitespace and each entry at its first unescaped dot,
     * drops every backslash and keeps the character after it, and reads {@code *} as "any": so
     * each of those characters in a name is escaped with a backslash.
     */
    String addTables() {
        return walTables().stream().map(name -> escape(schema) + "." + escape(name)).collect(Collectors.joining(","));
    }

    /** Every table name wal2json may write for a source, sorted: what add-tables names and the snapshot reads. */
    List<String> walTables() {
        return namesBySource.values().stream().flatMap(List::stream).sorted().toList();
    }

    static String escape(String name) {
        StringBuilder escaped = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' || c == ',' || c == '.' || c == '*' || Character.isWhitespace(c)) {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }
}
