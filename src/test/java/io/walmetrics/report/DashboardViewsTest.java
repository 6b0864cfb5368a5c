package io.walmetrics.report;

import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard views of migrations/009 against the metrics they summarise: every number is
 * recomputed here, in Java, from the rows of {@code metrics} as loaded from data/wal.json.
 */
class DashboardViewsTest {

    private static final Path SAMPLE = Path.of("data/wal.json");

    @TempDir
    Path dir;

    private TestDb sample() {
        TestDb db = TestDb.in(dir);
        db.load(SAMPLE);
        assertTrue(db.count("metrics") > 50, "data/wal.json loads metrics");
        return db;
    }

    private static String day(Map<String, Object> metric) {
        return ((String) metric.get("created_at")).substring(0, 10);
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }

    @Test
    void volume_by_day_and_currency_counts_events_and_transactions_and_sums_each_transactions_amount_once() {
        TestDb db = sample();
        Map<List<Object>, long[]> expected = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        Set<List<Object>> seenTransactions = new HashSet<>();
        for (Map<String, Object> m : db.rows("select created_at, currency_code, transaction_id, amount from metrics")) {
            List<Object> key = List.of(day(m), m.get("currency_code"));
            long[] sums = expected.computeIfAbsent(key, k -> new long[3]);
            sums[0]++;
            if (seenTransactions.add(List.of(key, m.get("transaction_id")))) {
                sums[1]++;
                sums[2] += number(m.get("amount"));
            }
        }

        Map<List<Object>, long[]> actual = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (Map<String, Object> v : db.rows("select day, currency_code, events, transactions, amount from dashboard_volume_by_day_and_currency")) {
            actual.put(List.of(v.get("day"), v.get("currency_code")),
                    new long[] {number(v.get("events")), number(v.get("transactions")), number(v.get("amount"))});
        }

        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((key, sums) -> assertEquals(List.of(sums[0], sums[1], sums[2]),
                List.of(actual.get(key)[0], actual.get(key)[1], actual.get(key)[2]), key.toString()));
        assertEquals(db.count("metrics"), actual.values().stream().mapToLong(sums -> sums[0]).sum(), "every metric counted once");
    }

    @Test
    void approval_rate_by_day_is_authorized_over_authorized_and_failed_events() {
        TestDb db = sample();
        Map<String, long[]> counts = new TreeMap<>();
        for (Map<String, Object> m : db.rows("select created_at, transaction_lifecycle_event from metrics")) {
            long[] c = counts.computeIfAbsent(day(m), k -> new long[5]);
            c[0]++;
            switch (String.valueOf(m.get("transaction_lifecycle_event"))) {
                case "AUTHORIZATION_SUBMITTED" -> c[1]++;
                case "AUTHORIZED" -> c[2]++;
                case "AUTHORIZATION_FAILED" -> c[3]++;
                default -> c[4]++;
            }
        }

        List<Map<String, Object>> view = db.rows(
                "select day, events, submitted, authorized, failed, other, approval_rate_pct from dashboard_approval_rates_by_day order by day");

        assertEquals(new ArrayList<>(counts.keySet()), view.stream().map(v -> v.get("day")).toList());
        for (Map<String, Object> v : view) {
            long[] c = counts.get((String) v.get("day"));
            assertEquals(List.of(c[0], c[1], c[2], c[3], c[4]), List.of(number(v.get("events")), number(v.get("submitted")),
                    number(v.get("authorized")), number(v.get("failed")), number(v.get("other"))), v.toString());
            double rate = Math.round(1000.0 * c[2] / (c[2] + c[3])) / 10.0;
            assertEquals(rate, ((Number) v.get("approval_rate_pct")).doubleValue(), 1e-9, v.toString());
        }
        assertTrue(view.stream().anyMatch(v -> number(v.get("failed")) > 0), "the sample has failures");
    }

    @Test
    void top_decline_reasons_count_each_reason_and_type_and_their_share_of_all_declines() {
        TestDb db = sample();
        Map<List<Object>, Long> expected = new HashMap<>();
        long declines = 0;
        for (Map<String, Object> m : db.rows("select decline_reason, decline_type from metrics")) {
            if (m.get("decline_reason") != null || m.get("decline_type") != null) {
                expected.merge(java.util.Arrays.asList(m.get("decline_reason"), m.get("decline_type")), 1L, Long::sum);
                declines++;
            }
        }

        Map<List<Object>, Long> actual = new HashMap<>();
        double shares = 0;
        for (Map<String, Object> v : db.rows("select decline_reason, decline_type, declines, share_pct from dashboard_top_decline_reasons")) {
            long count = number(v.get("declines"));
            actual.put(java.util.Arrays.asList(v.get("decline_reason"), v.get("decline_type")), count);
            assertEquals(Math.round(1000.0 * count / declines) / 10.0, ((Number) v.get("share_pct")).doubleValue(), 1e-9, v.toString());
            shares += ((Number) v.get("share_pct")).doubleValue();
        }

        assertEquals(expected, actual);
        assertTrue(declines > 0, "the sample declines");
        assertEquals(100.0, shares, 0.5, "the shares add up to 100%");
    }

    @Test
    void payment_method_and_instrument_count_events_transactions_and_outcomes_per_pair() {
        TestDb db = sample();
        Map<List<Object>, long[]> expected = new HashMap<>();
        Map<List<Object>, Set<Object>> transactions = new HashMap<>();
        for (Map<String, Object> m : db.rows("select payment_method, payment_instrument_type, transaction_id, transaction_lifecycle_event from metrics")) {
            List<Object> key = java.util.Arrays.asList(m.get("payment_method"), m.get("payment_instrument_type"));
            long[] c = expected.computeIfAbsent(key, k -> new long[4]);
            c[0]++;
            transactions.computeIfAbsent(key, k -> new HashSet<>()).add(m.get("transaction_id"));
            c[2] += Objects.equals("AUTHORIZED", m.get("transaction_lifecycle_event")) ? 1 : 0;
            c[3] += Objects.equals("AUTHORIZATION_FAILED", m.get("transaction_lifecycle_event")) ? 1 : 0;
        }
        transactions.forEach((key, ids) -> expected.get(key)[1] = ids.size());

        List<Map<String, Object>> view = db.rows("select payment_method, payment_instrument_type, events, transactions, authorized, failed"
                + " from dashboard_payment_method_and_instrument");

        assertEquals(expected.size(), view.size());
        assertTrue(view.size() > 1, "the sample has several methods and instruments");
        for (Map<String, Object> v : view) {
            long[] c = expected.get(java.util.Arrays.asList(v.get("payment_method"), v.get("payment_instrument_type")));
            assertEquals(List.of(c[0], c[1], c[2], c[3]), List.of(number(v.get("events")), number(v.get("transactions")),
                    number(v.get("authorized")), number(v.get("failed"))), v.toString());
        }
    }

    @Test
    void the_views_follow_the_metrics_as_batches_change_them_and_are_empty_without_metrics() {
        TestDb db = TestDb.in(dir);
        assertEquals(0, db.count("dashboard_volume_by_day_and_currency"));
        assertEquals(0, db.count("dashboard_approval_rates_by_day"));
        assertEquals(0, db.count("dashboard_top_decline_reasons"));
        assertEquals(0, db.count("dashboard_payment_method_and_instrument"));

        db.load(new WalFile()
                .batch()
                .record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .batch()
                .record(event("e2", "t1", "f1").set("transaction_lifecycle_event", "AUTHORIZED").set("error_details", null)));
        List<Map<String, Object>> before = db.rows("select events, authorized from dashboard_approval_rates_by_day");
        assertEquals(1, before.size(), before.toString());
        assertEquals(2L, number(before.get(0).get("events")));
        assertEquals(1L, number(before.get(0).get("authorized")));

        db.load(new WalFile().batch().record(Change.delete(EVENT, "e2")));

        List<Map<String, Object>> after = db.rows("select events, authorized from dashboard_approval_rates_by_day");
        assertEquals(1L, number(after.get(0).get("events")), "a deleted event leaves the view");
        assertEquals(0L, number(after.get(0).get("authorized")));
    }
}
