package io.walmetrics.report;

import java.util.List;
import java.util.Locale;

/**
 * The dashboard as one self-contained HTML page: inline CSS, a bar chart a view drawn as inline
 * SVG, and the view's table. No script, no fonts, images or styles fetched from anywhere.
 */
public final class HtmlReport {

    private static final String[] COLORS = {"#2f6fb0", "#2e9e6a", "#c8553d", "#7a5cb8"};
    private static final int LABEL_WIDTH = 300;
    private static final int BAR_AREA = 420;
    private static final int VALUE_WIDTH = 90;
    private static final int ROW_HEIGHT = 26;

    private HtmlReport() {
    }

    public static String render(Dashboard dashboard) {
        StringBuilder out = new StringBuilder();
        out.append("""
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>wal-metrics-loader dashboard</title>
                <style>
                body { font-family: sans-serif; margin: 24px 32px; color: #1d2733; background: #ffffff; }
                h1 { font-size: 22px; margin: 0 0 4px 0; }
                h2 { font-size: 17px; margin: 28px 0 8px 0; border-bottom: 2px solid #dfe5ec; padding-bottom: 4px; }
                p.source { color: #5a6b7d; margin: 0 0 8px 0; }
                span.view { color: #5a6b7d; font-weight: normal; font-family: monospace; font-size: 13px; }
                table { border-collapse: collapse; margin-top: 8px; font-size: 13px; }
                th, td { padding: 3px 10px; border-bottom: 1px solid #e6ebf0; }
                th { background: #f2f5f8; text-align: left; }
                td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
                svg text { font-family: sans-serif; font-size: 13px; fill: #1d2733; }
                </style>
                </head>
                <body>
                """);
        out.append("<h1>Payments dashboard</h1>\n");
        out.append("<p class=\"source\">").append(escape(dashboard.source())).append(" &middot; ")
                .append(dashboard.metricRows()).append(" metric rows</p>\n");
        int index = 0;
        for (Section section : dashboard.sections()) {
            out.append("<section>\n<h2>").append(escape(section.title())).append(" <span class=\"view\">")
                    .append(escape(section.definition().view())).append("</span></h2>\n");
            chart(section, COLORS[index++ % COLORS.length], out);
            table(section, out);
            out.append("</section>\n");
        }
        out.append("</body>\n</html>\n");
        return out.toString();
    }

    private static void chart(Section section, String color, StringBuilder out) {
        List<Section.Bar> bars = section.bars();
        if (bars.isEmpty()) {
            out.append("<p>(no rows)</p>\n");
            return;
        }
        double max = section.definition().fullScale() > 0 ? section.definition().fullScale()
                : bars.stream().mapToDouble(Section.Bar::value).max().orElse(0);
        int height = ROW_HEIGHT * bars.size() + 24;
        int width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH;
        out.append(String.format(Locale.ROOT,
                "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">%n",
                width, height, width, height, escape(section.title() + ": " + section.definition().valueCaption())));
        int y = 0;
        for (Section.Bar bar : bars) {
            double length = max > 0 ? Math.min(max, Math.max(0, bar.value())) / max * BAR_AREA : 0;
            out.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                            + "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>"
                            + "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
                    LABEL_WIDTH - 8, y + 17, escape(bar.label()),
                    LABEL_WIDTH, y + 4, length, ROW_HEIGHT - 8, color, escape(bar.label() + ": " + bar.shown()),
                    LABEL_WIDTH + length + 6, y + 17, escape(bar.shown())));
            y += ROW_HEIGHT;
        }
        out.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#8a99a8\"/>"
                        + "<text x=\"%d\" y=\"%d\" fill=\"#5a6b7d\">%s</text>%n</svg>%n",
                LABEL_WIDTH, LABEL_WIDTH, y, LABEL_WIDTH, y + 18, escape(section.definition().valueCaption())));
    }

    private static void table(Section section, StringBuilder out) {
        List<String> columns = section.columns();
        boolean[] numeric = new boolean[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            final int column = c;
            numeric[c] = !section.rows().isEmpty() && section.rows().stream()
                    .allMatch(row -> row.get(column) == null || row.get(column) instanceof Number);
        }
        out.append("<table>\n<tr>");
        for (int c = 0; c < columns.size(); c++) {
            out.append(numeric[c] ? "<th class=\"num\">" : "<th>").append(escape(columns.get(c))).append("</th>");
        }
        out.append("</tr>\n");
        for (List<Object> row : section.rows()) {
            out.append("<tr>");
            for (int c = 0; c < columns.size(); c++) {
                out.append(numeric[c] ? "<td class=\"num\">" : "<td>").append(escape(Section.show(row.get(c))))
                        .append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n");
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
