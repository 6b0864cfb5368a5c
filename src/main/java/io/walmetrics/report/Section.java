package io.walmetrics.report;

import io.walmetrics.schema.SqlHeader;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** One view of the dashboard as read: its columns and rows, and what its bar chart shows. */
public record Section(Definition definition, List<String> columns, List<List<Object>> rows) {

    /**
     * A query of sql/views/ and its chart: one bar a row, labelled by {@code labelColumns}, as long
     * as {@code valueColumn}; a full-length bar is {@code fullScale}, or the greatest value when 0.
     */
    public record Definition(String title, String file, String view, List<String> labelColumns, String valueColumn,
            String valueCaption, double fullScale) {

        private static final Pattern CHART = Pattern.compile(
                "bars of (\\w+) labelled by (\\w+(?:, \\w+)*); full bar: (?:the greatest value|(\\d+))");

        public Definition {
            labelColumns = List.copyOf(labelColumns);
        }

        /**
         * The definition a file of sql/views/ gives in its header: {@code Title:}, the view as the
         * first word of {@code Reads:}, {@code Chart: bars of VALUE labelled by COLUMN, …; full bar:
         * the greatest value} (or a number) and {@code Caption:}.
         */
        public static Definition of(String file, SqlHeader header) {
            String chart = header.get("Chart");
            Matcher parts = CHART.matcher(chart);
            if (!parts.matches()) {
                throw new IllegalStateException(header.file() + ": \"-- Chart: " + chart + "\" is not \"bars of COLUMN labelled by"
                        + " COLUMN, …; full bar: the greatest value\" (or a number)");
            }
            return new Definition(header.get("Title"), file, header.get("Reads").split("\\s", 2)[0],
                    Arrays.asList(parts.group(2).split(", ")), parts.group(1), header.get("Caption"),
                    parts.group(3) == null ? 0 : Double.parseDouble(parts.group(3)));
        }
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
