package io.walmetrics.report;

import java.util.List;
import java.util.stream.Collectors;

/** One view of the dashboard as read: its columns and rows, and what its bar chart shows. */
public record Section(Definition definition, List<String> columns, List<List<Object>> rows) {

    /**
     * A query of sql/views/ and its chart: one bar a row, labelled by {@code labelColumns}, as long
     * as {@code valueColumn}; a full-length bar is {@code fullScale}, or the greatest value when 0.
     */
    public record Definition(String title, String file, String view, List<String> labelColumns, String valueColumn,
            String valueCaption, double fullScale) {
    }

    public String title() {
        return definition.title();
    }

    /** The chart's bars in row order: label and value (a missing value counts as zero). */
    public List<Bar> bars() {
        int value = columns.indexOf(definition.valueColumn());
        List<Integer> labels = definition.labelColumns().stream().map(columns::indexOf).toList();
        if (value < 0 || labels.contains(-1)) {
            throw new IllegalStateException(definition.file() + " lacks a column its chart needs");
        }
        return rows.stream()
                .map(row -> new Bar(
                        labels.stream().map(i -> show(row.get(i))).collect(Collectors.joining(" · ")),
                        row.get(value) instanceof Number number ? number.doubleValue() : 0,
                        show(row.get(value))))
                .toList();
    }

    public record Bar(String label, double value, String shown) {
    }

    /** A cell as the tables show it: NULL as "(none)", numbers as SQLite gives them. */
    static String show(Object value) {
        return value == null ? "(none)" : value.toString();
    }
}
