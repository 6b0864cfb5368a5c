package io.walmetrics.testing;

import io.walmetrics.schema.Database;
import io.walmetrics.schema.SchemaMigrator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The WAL tables and their columns as the migrations declare them, read once from a freshly
 * migrated database, so tests write changes in exactly the schema the loader expects.
 */
public final class TestSchema {

    private static Map<String, Map<String, String>> columnsByWalTable;
    private static Map<String, String> keyByWalTable;

    private TestSchema() {
    }

    /** Column name to PostgreSQL type, in ordinal order, under the WAL table's own names. */
    public static synchronized Map<String, String> columns(String walTable) {
        load();
        Map<String, String> columns = columnsByWalTable.get(walTable);
        if (columns == null) {
            return Map.of();
        }
        return columns;
    }

    public static synchronized String walKeyColumn(String walTable) {
        load();
        return keyByWalTable.getOrDefault(walTable, "id");
    }

    private static void load() {
        if (columnsByWalTable != null) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("schema");
            Jdbi jdbi = Database.open(dir.resolve("schema.db"));
            SchemaMigrator.migrate(jdbi, false);
            Map<String, Map<String, String>> columns = new LinkedHashMap<>();
            Map<String, String> keys = new LinkedHashMap<>();
            jdbi.useHandle(handle -> handle.createQuery("""
                            select w.wal_table, w.wal_key_column, s.key_column, c.column_name, c.pg_type
                            from wal_table as w
                            join source_table as s on s.source = w.source
                            join source_column as c on c.source = w.source
                            order by w.wal_table, c.ordinal""")
                    .map((rs, ctx) -> {
                        String walTable = rs.getString("wal_table");
                        String column = rs.getString("column_name").equals(rs.getString("key_column"))
                                ? rs.getString("wal_key_column") : rs.getString("column_name");
                        keys.put(walTable, rs.getString("wal_key_column"));
                        columns.computeIfAbsent(walTable, t -> new LinkedHashMap<>()).put(column, rs.getString("pg_type"));
                        return column;
                    })
                    .list());
            columnsByWalTable = columns;
            keyByWalTable = keys;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
