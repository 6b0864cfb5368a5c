package io.walmetrics.report;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.schema.SqlHeader;
import io.walmetrics.testing.TestDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dashboard view is written once, in migrations/009; its query and its chart are in the header and
 * body of its file of sql/views/. These tests keep the three from drifting apart.
 */
class DashboardDefinitionsTest {

    private static final Path MIGRATION_009 = Path.of("migrations/009_create_dashboard_views.sql");
    private static final Pattern CREATE_VIEW = Pattern.compile("(?m)^create view (\\w+) as$");
    private static final Pattern FROM = Pattern.compile("(?m)^from (\\w+)$");

    @TempDir
    Path dir;

    @Test
    void each_section_is_what_the_header_of_its_file_of_sql_views_defines() {
        assertEquals(List.of(
                new Section.Definition("Volume by day and currency", "010_volume_by_day_and_currency.sql",
                        "dashboard_volume_by_day_and_currency", List.of("day", "currency_code"), "amount",
                        "amount (minor units)", 0),
                new Section.Definition("Approval rate by day", "020_approval_rates_by_day.sql",
                        "dashboard_approval_rates_by_day", List.of("day"), "approval_rate_pct",
                        "approval rate, % of authorized + failed (bar: 0 to 100)", 100),
                new Section.Definition("Top decline reasons", "030_top_decline_reasons.sql",
                        "dashboard_top_decline_reasons", List.of("decline_reason", "decline_type"), "declines",
                        "declined events", 0),
                new Section.Definition("Payment method and instrument", "040_payment_method_and_instrument.sql",
                        "dashboard_payment_method_and_instrument", List.of("payment_method", "payment_instrument_type"),
                        "events", "events", 0)),
                Dashboard.SECTIONS);
    }

    @Test
    void the_sections_read_exactly_the_views_migration_009_creates() throws IOException {
        Set<String> created = new TreeSet<>();
        Matcher view = CREATE_VIEW.matcher(Files.readString(MIGRATION_009, UTF_8));
        while (view.find()) {
            created.add(view.group(1));
        }

        assertEquals(created, new TreeSet<>(Dashboard.SECTIONS.stream().map(Section.Definition::view).toList()));
        assertEquals(Dashboard.SECTIONS.size(), created.size(), "one section a view");
    }

    @Test
    void each_query_reads_the_view_its_header_names_and_shows_every_column_of_it_in_the_view_s_order() throws IOException {
        TestDb db = TestDb.in(dir);
        db.load(Path.of("data/wal.json"));
        Dashboard dashboard = db.jdbi().withHandle(handle -> Dashboard.read(handle, "metrics.db"));

        for (Section section : dashboard.sections()) {
            Section.Definition definition = section.definition();
            String query = Files.readString(Path.of("sql/views", definition.file()), UTF_8);
            Matcher from = FROM.matcher(query);
            assertTrue(from.find(), definition.file() + " has a from line");
            assertEquals(definition.view(), from.group(1), definition.file() + " reads the view its header names");

            List<String> viewColumns = db.rows("select name from pragma_table_info('" + definition.view() + "') order by cid")
                    .stream().map(row -> ((String) row.get("name")).toLowerCase(Locale.ROOT)).toList();
            assertEquals(viewColumns, section.columns(), definition.file());
            assertTrue(section.columns().contains(definition.valueColumn()), definition.file() + ": " + definition.valueColumn());
            assertTrue(section.columns().containsAll(definition.labelColumns()), definition.file() + ": " + definition.labelColumns());
        }
    }

    @Test
    void a_header_whose_chart_line_does_not_parse_is_refused_naming_the_file() {
        SqlHeader header = SqlHeader.of("sql/views/999_x.sql", String.join("\n",
                "-- Title:   X", "-- Reads:   some_view", "-- Chart:   a pie of amount", "-- Caption: amount", "select 1;"));

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Section.Definition.of("999_x.sql", header));
        assertEquals("sql/views/999_x.sql: \"-- Chart: a pie of amount\" is not \"bars of COLUMN labelled by COLUMN, …;"
                + " full bar: the greatest value\" (or a number)", refused.getMessage());
        assertEquals(Map.of("Title", "X", "Reads", "some_view", "Chart", "a pie of amount", "Caption", "amount"),
                header.values());
    }
}
