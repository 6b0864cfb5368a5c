package io.walmetrics.schema;

import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalReader;
import java.io.IOException;
import org.jdbi.v3.core.Handle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tables, columns and types a WAL input carries, compared with what the migrations declare:
 * what {@code schema FILE} prints, with a changeset that would add the columns the database lacks.
 */
public final class WalSchemaReport {

    private final Map<String, Integer> changesByTable = new TreeMap<>();
    private final Map<String, Map<String, Set<String>>> typesByTable = new TreeMap<>();
    /** Why an unknown column stays in extra_columns, by "walTable.column", for those that must. */
    private final Map<String, String> keptInExtraColumns = new TreeMap<>();
    private final SourceCatalog catalog;

    private WalSchemaReport(SourceCatalog catalog) {
        this.catalog = catalog;
    }

    /** Reads the whole input and compares it with the catalog of the database {@code handle} is open on. */
    public static WalSchemaReport scan(WalReader reader, Handle handle) throws IOException {
        WalSchemaReport report = new WalSchemaReport(SourceCatalog.load(handle));
        while (reader.nextBatch()) {
            for (WalChange change = reader.nextChange(); change != null; change = reader.nextChange()) {
                report.note(change);
            }
        }
        ColumnNames names = new ColumnNames(handle);
        for (ColumnDrift drift : report.drift()) {
            if (drift.declaredType() == null) {
                String why = names.whyKeptInExtraColumns(drift.column(), report.catalog.walTable(drift.walTable()).source());
                if (why != null) {
                    report.keptInExtraColumns.put(drift.walTable() + "." + drift.column(), why);
                }
            }
        }
        return report;
    }

    /**
     * As {@link ColumnDrift#describe()}, and for a column that can have no column of its own
     * ({@link ColumnNames}) why it stays in extra_columns.
     */
    public String describe(ColumnDrift drift) {
        String why = keptInExtraColumns.get(drift.walTable() + "." + drift.column());
        return why == null ? drift.describe()
                : drift.brief() + " (kept in extra_columns: " + why + ", so it cannot have a column of its own)";
    }

    private void note(WalChange change) {
        if (change.table() == null) {
            return;
        }
        changesByTable.merge(change.table(), 1, Integer::sum);
        Map<String, Set<String>> columns = typesByTable.computeIfAbsent(change.table(), table -> new LinkedHashMap<>());
        noteColumns(columns, change.columnNames(), change.columnTypes(), change.schema());
        if (change.oldKeys() != null) {
            noteColumns(columns, change.oldKeys().keyNames(), change.oldKeys().keyTypes(), change.schema());
        }
    }

    /** Each column's types, as the migrations would name them (a type of the change's own schema unqualified). */
    private static void noteColumns(Map<String, Set<String>> columns, List<String> names, List<String> types, String schema) {
        for (int i = 0; i < names.size() && i < types.size(); i++) {
            columns.computeIfAbsent(names.get(i), name -> new LinkedHashSet<>()).add(PgTypeName.unqualified(types.get(i), schema));
        }
    }

    /** WAL tables that feed no source, with how many changes each had. */
    public Map<String, Integer> otherTables() {
        Map<String, Integer> others = new TreeMap<>(changesByTable);
        others.keySet().removeIf(table -> catalog.walTable(table) != null);
        return others;
    }

    /** WAL tables that feed a source, with how many changes each had. */
    public Map<String, Integer> sourceTables() {
        Map<String, Integer> sources = new TreeMap<>(changesByTable);
        sources.keySet().removeIf(table -> catalog.walTable(table) == null);
        return sources;
    }

    public List<ColumnDrift> drift() {
        List<ColumnDrift> drift = new ArrayList<>();
        typesByTable.forEach((walTable, columns) -> {
            WalTableMapping mapping = catalog.walTable(walTable);
            if (mapping == null) {
                return;
            }
            columns.forEach((column, types) -> {
                SourceColumn declared = mapping.sourceColumn(column);
                for (String type : types) {
                    if (declared == null || !declared.pgType().equals(type)) {
                        drift.add(new ColumnDrift(walTable, column, type, declared == null ? null : declared.pgType()));
                    }
                }
            });
        });
        return drift;
    }

    /**
     * A Liquibase formatted-SQL changelog that adds the unknown columns to the staging and current
     * tables and the catalog (the loader renders its fold for the catalog it finds, so the new columns
     * are folded like the others), and says in comments what it leaves as it is; null when it would
     * change nothing and has nothing to say.
     */
    public String changeset(int migrationNumber) {
        Map<SourceTable, List<ColumnDrift>> added = new LinkedHashMap<>();
        List<ColumnDrift> retyped = new ArrayList<>();
        Map<String, String> kept = new LinkedHashMap<>();
        for (ColumnDrift drift : drift()) {
            SourceTable source = catalog.walTable(drift.walTable()).source();
            String column = drift.walTable() + "." + drift.column();
            if (drift.declaredType() != null) {
                retyped.add(drift);
            } else if (keptInExtraColumns.containsKey(column)) {
                kept.put(column, keptInExtraColumns.get(column));
            } else if (added.getOrDefault(source, List.of()).stream().noneMatch(d -> d.column().equals(drift.column()))) {
                added.computeIfAbsent(source, s -> new ArrayList<>()).add(drift);
            }
        }
        if (added.isEmpty() && retyped.isEmpty() && kept.isEmpty()) {
            return null;
        }
        String number = String.format(Locale.ROOT, "%03d", migrationNumber);
        StringBuilder sql = new StringBuilder("-- liquibase formatted sql\n");
        kept.forEach((column, why) -> sql.append("\n-- ").append(column).append(" stays in extra_columns: ").append(why)
                .append(".\n"));
        for (ColumnDrift drift : retyped) {
            sql.append("\n-- ").append(drift.walTable()).append('.').append(drift.column()).append(" arrives as ")
                    .append(drift.observedType()).append(" but is declared ").append(drift.declaredType())
                    .append(": values that do not fit are rejected.\n-- Changing a STRICT column's type means rebuilding its tables;")
                    .append(" this changelog does not do it.\n");
        }
        added.forEach((source, columns) -> {
            List<SourceColumn> widened = new ArrayList<>(source.columns());
            String slug = source.source().replace('_', '-');
            sql.append("\n-- changeset wal-metrics-loader:").append(number).append("-add-columns-to-").append(slug).append('\n');
            sql.append("-- comment: Columns the WAL carries for ").append(source.source()).append(" that the migrations did not declare.\n");
            for (ColumnDrift drift : columns) {
                SourceColumn column = new SourceColumn(drift.column(), widened.size() + 1, drift.observedType(),
                        ColumnKind.of(drift.observedType()));
                widened.add(column);
                String type = column.kind().sqliteType() + check(column);
                sql.append("alter table ").append(source.stagingTable()).append(" add column ").append(column.name())
                        .append(' ').append(type).append(";\n");
                sql.append("alter table ").append(source.currentTable()).append(" add column ").append(column.name())
                        .append(' ').append(column.kind().sqliteType()).append(";\n");
                sql.append("insert into source_column (source, column_name, ordinal, pg_type) values ('")
                        .append(source.source()).append("', '").append(column.name()).append("', ").append(column.ordinal())
                        .append(", '").append(column.pgType()).append("');\n");
            }
        });
        return sql.toString();
    }

    private static String check(SourceColumn column) {
        return switch (column.kind()) {
            case JSON -> " check (" + column.name() + " is null or json_valid(" + column.name() + "))";
            case BOOLEAN -> " check (" + column.name() + " in (0, 1))";
            default -> "";
        };
    }
}
