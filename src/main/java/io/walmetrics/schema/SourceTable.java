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
}
