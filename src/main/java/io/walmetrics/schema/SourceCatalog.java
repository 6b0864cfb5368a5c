package io.walmetrics.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * The sources, their columns and the WAL table names that feed them, as the migrations hold them
 * in {@code source_table}, {@code source_column} and {@code wal_table}: the mapping is data.
 */
public final class SourceCatalog {

    private final List<SourceTable> sources;
    private final Map<String, WalTableMapping> walTables;

    private SourceCatalog(List<SourceTable> sources, Map<String, WalTableMapping> walTables) {
        this.sources = List.copyOf(sources);
        this.walTables = Map.copyOf(walTables);
    }

    public static SourceCatalog load(Handle handle) {
        Map<String, List<SourceColumn>> columns = handle.createQuery("""
                        select source, column_name, ordinal, pg_type
                        from source_column
                        order by source, ordinal""")
                .map((rs, ctx) -> Map.entry(rs.getString("source"), new SourceColumn(
                        rs.getString("column_name"), rs.getInt("ordinal"), rs.getString("pg_type"),
                        ColumnKind.of(rs.getString("pg_type")))))
                .stream()
                .collect(Collectors.groupingBy(Map.Entry::getKey,
                        Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
        List<SourceTable> sources = new ArrayList<>();
        handle.createQuery("""
                        select source, key_column, staging_table, current_table
                        from source_table
                        order by source""")
                .map((rs, ctx) -> new SourceTable(rs.getString("source"), rs.getString("key_column"),
                        rs.getString("staging_table"), rs.getString("current_table"),
                        columns.getOrDefault(rs.getString("source"), List.of())))
                .forEach(sources::add);
        Map<String, SourceTable> bySource = sources.stream()
                .collect(Collectors.toMap(SourceTable::source, source -> source));
        Map<String, WalTableMapping> walTables = handle.createQuery("""
                        select wal_table, source, wal_key_column
                        from wal_table""")
                .map((rs, ctx) -> new WalTableMapping(rs.getString("wal_table"),
                        bySource.get(rs.getString("source")), rs.getString("wal_key_column")))
                .stream()
                .collect(Collectors.toMap(WalTableMapping::walTable, mapping -> mapping));
        return new SourceCatalog(sources, walTables);
    }

    /**
     * The published schema without a database file: the catalog migration run into an in-memory
     * SQLite, so code that only writes WAL (the generator) reads the same declarations.
     */
    public static SourceCatalog published() {
        try (Handle handle = org.jdbi.v3.core.Jdbi.create("jdbc:sqlite::memory:").open()) {
            handle.createScript(ProjectFiles.read("migrations/001_create_source_catalog.sql")).execute();
            return load(handle);
        }
    }

    public SourceTable source(String name) {
        return sources.stream().filter(source -> source.source().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no source " + name));
    }

    public List<SourceTable> sources() {
        return sources;
    }

    /** The mapping for a table name from the WAL, or null for a table the metric does not read. */
    /** Every table name wal2json may write for a source (both namings). */
    public java.util.Set<String> walTables() {
        return walTables.keySet();
    }

    public WalTableMapping walTable(String walTable) {
        return walTable == null ? null : walTables.get(walTable);
    }
}
