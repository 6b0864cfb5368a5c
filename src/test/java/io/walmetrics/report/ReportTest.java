package io.walmetrics.report;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walmetrics.testing.TestDb;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code report} on the sample: its text tables, its HTML page as a file and as headless Chromium
 * draws it, and the command as a user runs it (a child JVM).
 */
class ReportTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SAMPLE = Path.of("data/wal.json").toAbsolutePath();
    private static final List<String> TITLES = List.of(
            "Volume by day and currency", "Approval rate by day", "Top decline reasons", "Payment method and instrument");

    @TempDir
    Path dir;

    private Dashboard sampleDashboard() {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(SAMPLE);
        return db.jdbi().withHandle(handle -> Dashboard.read(handle, "metrics.db"));
    }

    // ---- text

    @Test
    void the_text_report_prints_every_section_title_in_order_with_its_view() {
        String text = TextReport.render(sampleDashboard());

        int at = -1;
        for (Section.Definition section : Dashboard.SECTIONS) {
            int found = text.indexOf(section.title() + "  [" + section.view() + "]");
            assertTrue(found > at, section.title() + " follows the section before it:\n" + text);
            at = found;
        }
        assertEquals(TITLES, Dashboard.SECTIONS.stream().map(Section.Definition::title).toList());
        assertTrue(text.startsWith("Dashboard of metrics.db (71 metric rows)\n"), text);
    }

    @Test
    void the_text_tables_align_every_cell_in_its_column_numbers_to_the_right_text_to_the_left() {
        Dashboard dashboard = sampleDashboard();
        String text = TextReport.render(dashboard);
        List<List<String>> tables = tables(text);
        assertEquals(dashboard.sections().size(), tables.size(), text);

        for (int t = 0; t < tables.size(); t++) {
            List<String> table = tables.get(t);
            Section section = dashboard.sections().get(t);
            String rule = table.get(1);
            assertTrue(rule.matches("-+( {2}-+)*"), "a rule of dashes under the header: " + rule);
            List<int[]> spans = new ArrayList<>();
            Matcher dashes = Pattern.compile("-+").matcher(rule);
            while (dashes.find()) {
                spans.add(new int[] {dashes.start(), dashes.end()});
            }
            assertEquals(section.columns().size(), spans.size(), rule);
            assertEquals(section.rows().size() + 2, table.size(), "header, rule, one line a row:\n" + table);

            for (int line = 0; line < table.size(); line++) {
                String padded = String.format("%-" + rule.length() + "s", table.get(line));
                assertEquals(rule.length(), padded.length(), "no line is wider than its rule: " + table.get(line));
                for (int column = 0; column < spans.size(); column++) {
                    final int c = column;
                    String cell = padded.substring(spans.get(c)[0], spans.get(c)[1]);
                    if (c > 0) {
                        assertEquals("  ", padded.substring(spans.get(c - 1)[1], spans.get(c)[0]), "gap before column " + c + ": " + padded);
                    }
                    if (line == 1) {
                        continue;
                    }
                    boolean numeric = isNumericColumn(section, c);
                    String expected = line == 0 ? section.columns().get(c) : Section.show(section.rows().get(line - 2).get(c));
                    assertEquals(expected, cell.strip(), "cell " + c + " of: " + padded);
                    if (numeric) {
                        assertFalse(cell.endsWith(" "), "a number ends at its column's right edge: [" + cell + "]");
                    } else {
                        assertFalse(cell.startsWith(" "), "a text starts at its column's left edge: [" + cell + "]");
                    }
                }
            }
        }
    }

    private static boolean isNumericColumn(Section section, int c) {
        return section.rows().stream().allMatch(row -> row.get(c) == null || row.get(c) instanceof Number);
    }

    /** The tables of the text report: from each header line (the line above a rule) to the blank line after. */
    private static List<List<String>> tables(String text) {
        List<String> lines = text.lines().toList();
        List<List<String>> tables = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).startsWith("-")) {
                List<String> table = new ArrayList<>(List.of(lines.get(i - 1), lines.get(i)));
                for (int j = i + 1; j < lines.size() && !lines.get(j).isBlank(); j++) {
                    table.add(lines.get(j));
                }
                tables.add(table);
            }
        }
        return tables;
    }

    // ---- HTML

    @Test
    void the_html_page_is_self_contained_with_svg_charts_and_no_script_or_network_reference() {
        Dashboard dashboard = sampleDashboard();
        String html = HtmlReport.render(dashboard);

        assertTrue(html.startsWith("<!DOCTYPE html>"), html);
        assertFalse(html.toLowerCase().contains("<script"), "no script");
        assertFalse(Pattern.compile("(?i)\\bon[a-z]+\\s*=").matcher(html).find(), "no event handler attributes");
        assertFalse(Pattern.compile("(?i)https?:").matcher(html).find(), "no http(s) reference");
        assertFalse(Pattern.compile("(?i)\\b(src|href)\\s*=|url\\(|@import|<link|<iframe|<object|<embed|<img").matcher(html).find(),
                "nothing fetched");
        assertEquals(dashboard.sections().size(), count(html, "<svg "), "one chart a section");
        assertEquals(dashboard.sections().size(), count(html, "<table>"), "one table a section");
        assertEquals(dashboard.sections().stream().mapToInt(section -> section.rows().size()).sum(), count(html, "<rect "),
                "one bar a row");
        for (String title : TITLES) {
            assertTrue(html.contains("<h2>" + title + " "), title);
        }
    }

    @Test
    void the_html_page_escapes_what_the_data_says() {
        Section.Definition definition = Dashboard.SECTIONS.get(2);
        Section hostile = new Section(definition, List.of("decline_reason", "decline_type", "declines", "share_pct"),
                List.of(Arrays.asList("<script>alert(1)</script>", null, 1L, 100.0)));
        String html = HtmlReport.escape("<script>alert(1)</script> & \"x\"");

        assertEquals("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;", html);
        assertEquals("<script>alert(1)</script> · (none)", hostile.bars().get(0).label());
    }

    @Test
    void the_html_page_renders_in_headless_chromium_as_a_picture_with_charts_and_text() throws Exception {
        if (!Files.isExecutable(CHROMIUM) && "1".equals(System.getenv("WALMETRICS_CHROMIUM_REQUIRED"))) {
            fail("needs " + CHROMIUM + " (Debian package chromium); WALMETRICS_CHROMIUM_REQUIRED is set, so this is a failure");
        }
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "needs " + CHROMIUM + " (Debian package chromium; .ci/run installs it)");
        Path html = Files.writeString(dir.resolve("report.html"), HtmlReport.render(sampleDashboard()), UTF_8);
        Path png = dir.resolve("report.png");

        screenshot(html, png, dir.resolve("chromium-profile"));

        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1200, image.getWidth());
        assertEquals(1600, image.getHeight());
        Set<Integer> colors = new HashSet<>();
        long notWhite = 0;
        long barColored = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colors.add(rgb);
                notWhite += rgb != 0xffffff ? 1 : 0;
                barColored += rgb == 0x2f6fb0 || rgb == 0x2e9e6a || rgb == 0xc8553d || rgb == 0x7a5cb8 ? 1 : 0;
            }
        }
        long pixels = (long) image.getWidth() * image.getHeight();
        assertTrue(colors.size() > 100, "text and charts make many colors, found " + colors.size());
        assertTrue(notWhite > pixels / 50, "more than 2% of the page is drawn: " + notWhite + " of " + pixels);
        assertTrue(barColored > 20_000, "the bars are drawn in their colors: " + barColored + " pixels");
    }

    /** Headless Chromium's screenshot of a local file, in a profile of its own, with nothing fetched. */
    static void screenshot(Path html, Path png, Path profile) throws IOException, InterruptedException {
        Files.createDirectories(profile);
        List<String> command = List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--screenshot=" + png, "--window-size=1200,1600", html.toUri().toString());
        Path log = Files.createTempFile("chromium", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("chromium did not finish in 120 s");
            }
            assertTrue(Files.isRegularFile(png) && Files.size(png) > 0,
                    "chromium wrote " + png + " (exit " + process.exitValue() + "):\n" + Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    // ---- the command

    @Test
    void report_prints_the_tables_and_writes_the_page_where_html_says() throws Exception {
        Path db = dir.resolve("m.db");
        assertEquals(0, run("load", "--db", db.toString(), SAMPLE.toString()).exitCode);

        Run report = run("report", "--db", db.toString(), "--html", dir.resolve("out.html").toString());

        assertEquals(0, report.exitCode, report.stderr);
        assertEquals(TextReport.render(new TestDbView(db).dashboard()), report.stdout);
        assertEquals("wrote " + dir.resolve("out.html"), report.stderr.strip());
        assertTrue(Files.readString(dir.resolve("out.html")).contains("<svg "));
    }

    @Test
    void report_on_a_missing_database_says_so_in_one_line_and_creates_nothing() throws Exception {
        Run report = run("report", "--db", dir.resolve("nope.db").toString());

        assertEquals(1, report.exitCode);
        assertEquals("", report.stdout);
        assertEquals(List.of(dir.resolve("nope.db") + ": no such file"), report.stderr.lines().toList());
        assertFalse(Files.exists(dir.resolve("nope.db")));
    }

    /** Reads the dashboard of a database file that a child process made. */
    private record TestDbView(Path file) {
        Dashboard dashboard() {
            return io.walmetrics.schema.Database.open(file).withHandle(handle -> Dashboard.read(handle, file.toString()));
        }
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "io.walmetrics.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().close();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("no exit: " + command);
        }
        return new Run(process.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }
}
