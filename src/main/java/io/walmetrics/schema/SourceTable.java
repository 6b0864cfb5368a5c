package io.walmetrics.schema;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** One of the four sources of the metric, with its staging and current-state tables. */
public record SourceTable(
        String source,
        String keyColumn,
        String stagingTable,
        String currentTable,
        List<SourceColumn> columns,
        Map<String, SourceColumn> columnsByName) {

    public SourceTable(String source, String keyColumn, String stagingTable, String currentTable,
                       List<SourceColumn> columns) {
        this(source, keyColumn, stagingTable, currentTable, List.copyOf(columns),
                columns.stream().collect(Collectors.toUnmodifiableMap(SourceColumn::name, Function.identity())));
    }

    public SourceColumn column(String name) {
        return columnsByName.get(name);
    }

    /** The columns of {@link #stagingTable()}, in order: what a change is, then the source's columns. */
    public List<String> stagingColumns() {
        List<String> names = new java.util.ArrayList<>(List.of(
                "change_seq", "batch_id", "record_no", "change_no", "kind", "old_key"));
        columns.forEach(column -> names.add(column.name()));
        names.add("missing_columns");
        names.add("extra_columns");
        return names;
    }

    /** The columns of {@link #currentTable()}, in order. */
    public List<String> currentColumns() {
        List<String> names = new java.util.ArrayList<>();
        columns.forEach(column -> names.add(column.name()));
        names.add("extra_columns");
        names.add("changed_by_seq");
        return names;
    }
}
