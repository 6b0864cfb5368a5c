package io.walmetrics.report;

import java.util.ArrayList;
import java.util.List;

/** The dashboard as aligned text tables: text columns to the left, numbers to the right. */
public final class TextReport {

    private TextReport() {
    }

    public static String render(Dashboard dashboard) {
        StringBuilder out = new StringBuilder();
        out.append("Dashboard of ").append(dashboard.source()).append(" (").append(dashboard.metricRows())
                .append(" metric rows)\n");
        for (Section section : dashboard.sections()) {
            out.append('\n').append(section.title()).append("  [").append(section.definition().view()).append("]\n");
            table(section, out);
        }
        return out.toString();
    }

    private static void table(Section section, StringBuilder out) {
        List<String> columns = section.columns();
        int[] width = new int[columns.size()];
        boolean[] numeric = new boolean[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            width[c] = columns.get(c).length();
            numeric[c] = !section.rows().isEmpty();
            for (List<Object> row : section.rows()) {
                width[c] = Math.max(width[c], Section.show(row.get(c)).length());
                numeric[c] &= row.get(c) == null || row.get(c) instanceof Number;
            }
        }
        List<String> header = new ArrayList<>();
        List<String> rule = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            header.add(pad(columns.get(c), width[c], numeric[c]));
            rule.add("-".repeat(width[c]));
        }
        line(header, out);
        line(rule, out);
        for (List<Object> row : section.rows()) {
            List<String> cells = new ArrayList<>();
            for (int c = 0; c < columns.size(); c++) {
                cells.add(pad(Section.show(row.get(c)), width[c], numeric[c]));
            }
            line(cells, out);
        }
        if (section.rows().isEmpty()) {
            out.append("(no rows)\n");
        }
    }

    private static void line(List<String> cells, StringBuilder out) {
        out.append(String.join("  ", cells).stripTrailing()).append('\n');
    }

    private static String pad(String text, int width, boolean right) {
        String fill = " ".repeat(width - text.length());
        return right ? fill + text : text + fill;
    }
}
