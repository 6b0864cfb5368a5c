package io.walmetrics.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * The sources, their columns and the WAL table names that feed them, as the migrations hold them
 * in {@code source_table}, {@code source_column} and {@code wal_table}: the mapping is data. A
 * catalog also holds the PostgreSQL schema whose tables are the sources, decided once per run
 * ({@link #sourceSchema}): a change of a table of that name in another schema feeds no source
 * (docs/reference.md#source-tables).
 */
public final class SourceCatalog {

    /** The source schema when neither the command line nor the database names one. */
    public static final String DEFAULT_SCHEMA = "public";

    private final List<SourceTable> sources;
    private final Map<String, WalTableMapping> walTables;
    private final String schema;

    private SourceCatalog(List<SourceTable> sources, Map<String, WalTableMapping> walTables, String schema) {
        this.sources = List.copyOf(sources);
        this.walTables = Map.copyOf(walTables);
        this.schema = schema;
    }

    /** The catalog with the database's own source schema (the one follow recorded, else public). */
    public static SourceCatalog load(Handle handle) {
        return load(handle, null);
    }

    /**
     * The catalog with the source schema {@link #sourceSchema} decides for {@code requested}.
     *
     * @throws OtherSourceSchemaException when the database was followed with another schema
     */
    public static SourceCatalog load(Handle handle, String requested) {
        return load(handle, requested, true);
    }

    /** {@code hasIdentity}: the database has a source_identity table (the published catalog alone has not). */
    private static SourceCatalog load(Handle handle, String requested, boolean hasIdentity) {
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
        String schema = hasIdentity ? sourceSchema(handle, requested) : DEFAULT_SCHEMA;
        return new SourceCatalog(sources, walTables, schema);
    }

    /**
     * The published schema without a database file: the catalog migration run into an in-memory
     * SQLite, so code that only writes WAL (the generator) reads the same declarations.
     */
    public static SourceCatalog published() {
        try (Handle handle = org.jdbi.v3.core.Jdbi.create("jdbc:sqlite::memory:").open()) {
            handle.createScript(ProjectFiles.read("migrations/001_create_source_catalog.sql")).execute();
            return load(handle, null, false);
        }
    }

    /**
     * The PostgreSQL schema whose tables are the sources for a run: the one {@code requested} (a
     * {@code --schema}), else the one this database was followed with ({@code source_identity},
     * migrations/017), else public. A request for another schema than the recorded one is refused:
     * the database belongs to that schema's tables.
     *
     * @param requested the schema named on the command line, or null for none
     * @throws OtherSourceSchemaException when the database was followed with another schema
     */
    public static String sourceSchema(Handle handle, String requested) {
        String recorded = handle.createQuery("select schema_name from source_identity")
                .mapTo(String.class).findOne().orElse(null);
        if (requested != null && recorded != null && !requested.equals(recorded)) {
            throw new OtherSourceSchemaException(recorded, requested);
        }
        return requested != null ? requested : recorded != null ? recorded : DEFAULT_SCHEMA;
    }

    /** The PostgreSQL schema whose tables are the sources. */
    public String schema() {
        return schema;
    }

    public SourceTable source(String name) {
        return sources.stream().filter(source -> source.source().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no source " + name));
    }

    public List<SourceTable> sources() {
        return sources;
    }

    /** Every table name wal2json may write for a source (both namings). */
    public java.util.Set<String> walTables() {
        return walTables.keySet();
    }

    /** The mapping for a table name from the WAL, whatever its schema, or null for a name no source has. */
    public WalTableMapping walTable(String walTable) {
        return walTable == null ? null : walTables.get(walTable);
    }

    /**
     * The mapping for a change's schema and table, or null for a table the metric does not read:
     * a name no source has, or a source's name in another schema than the source schema. A change
     * without a schema (wal2json's {@code include-schemas=0}) cannot say, and is taken to be of the
     * source schema.
     */
    public WalTableMapping walTable(String walSchema, String walTable) {
        return walSchema != null && !walSchema.equals(schema) ? null : walTable(walTable);
    }
}
