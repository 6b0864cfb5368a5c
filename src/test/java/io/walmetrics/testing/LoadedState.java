package io.walmetrics.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a load leaves in a database, read back for comparison with another database, and the
 * invariants every committed state must keep (docs/reference.md#batches and #the-ledger: atomic, exactly once).
 *
 * @param metrics     the 15 columns of docs/reference.md#the-metric, by id
 * @param current     each current_* table, every column, by key
 * @param stagingRows row counts of each stg_* table and of rejected_changes
 * @param ledger      batch_ledger without applied_at and without the metric counts, which are
 *                    those of the group a batch was folded in (groups end by size and by time)
 */
public record LoadedState(List<List<Object>> metrics,
                          Map<String, List<List<Object>>> current,
                          Map<String, Long> stagingRows,
                          List<List<Object>> ledger) {

    public static final String METRIC_COLUMNS = String.join(", ",
            "id", "flow_id", "created_at", "transaction_lifecycle_event", "decline_reason", "decline_type",
            "payment_method", "transaction_id", "transaction_type", "amount", "currency_code",
            "processor_merchant_account_id", "three_d_secure_authentication", "payment_instrument_type",
            "customer_id");

    public static final List<String> SOURCES = List.of("event", "transaction", "transaction_request", "payment_instrument_token");

    /** Every table and view that must exist before a batch can have been applied. */
    private static final List<String> SCHEMA_OBJECTS = List.of(
            "batch_ledger", "rejected_changes", "stg_event", "stg_transaction", "stg_transaction_request",
            "stg_payment_instrument_token", "current_event", "current_transaction", "current_transaction_request",
            "current_payment_instrument_token", "affected_key", "affected_event", "metrics", "current_metric");

    /**
     * The state exactly as one uninterrupted, sequential load leaves it: change sequence numbers and
     * batch ids included.
     */
    public static LoadedState exact(SqliteFile db) {
        Map<String, List<List<Object>>> current = new LinkedHashMap<>();
        for (String source : SOURCES) {
            current.put("current_" + source, db.rows("select * from current_" + source + " order by 1"));
        }
        return new LoadedState(metrics(db, "metrics"), current, stagingRows(db), db.rows("""
                select batch_id, input, batch_no, content_hash, stream_hash, records, changes_landed,
                       changes_ignored, changes_rejected, last_change_seq
                from batch_ledger
                order by batch_id"""));
    }

    /**
     * The state whatever order independent batches were applied in: without change sequence
     * numbers, and the ledger by input and position rather than by batch id.
     */
    public static LoadedState orderFree(SqliteFile db) {
        Map<String, List<List<Object>>> current = new LinkedHashMap<>();
        for (String source : SOURCES) {
            String table = "current_" + source;
            String columns = String.join(", ", db.column("select name from pragma_table_info('" + table + "')"
                    + " where name != 'changed_by_seq' order by cid").stream().map(String::valueOf).toList());
            current.put(table, db.rows("select " + columns + " from " + table + " order by 1"));
        }
        return new LoadedState(metrics(db, "metrics"), current, stagingRows(db), db.rows("""
                select input, batch_no, content_hash, records, changes_landed, changes_ignored,
                       changes_rejected
                from batch_ledger
                order by input, batch_no"""));
    }

    /** The 15 metric columns of a table or view, by id. */
    public static List<List<Object>> metrics(SqliteFile db, String tableOrView) {
        return db.rows("select " + METRIC_COLUMNS + " from " + tableOrView + " order by id");
    }

    private static Map<String, Long> stagingRows(SqliteFile db) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String source : SOURCES) {
            counts.put("stg_" + source, db.number("select count(*) from stg_" + source));
        }
        counts.put("rejected_changes", db.number("select count(*) from rejected_changes"));
        return counts;
    }

    /** The differences from {@code expected}, one line a part; empty when the states are equal. */
    public List<String> differencesFrom(LoadedState expected) {
        List<String> differences = new ArrayList<>();
        addDifference(differences, "metrics (15 columns, by id)", expected.metrics, metrics);
        for (String table : expected.current.keySet()) {
            addDifference(differences, table, expected.current.get(table), current.get(table));
        }
        if (!expected.stagingRows.equals(stagingRows)) {
            differences.add("staging row counts: expected " + expected.stagingRows + " but was " + stagingRows);
        }
        addDifference(differences, "batch_ledger", expected.ledger, ledger);
        return differences;
    }

    /** Row counts and the first row that differs, so a failure says where, not just that. */
    public static void addDifference(List<String> differences, String what, List<List<Object>> expected,
                                     List<List<Object>> actual) {
        if (Objects.equals(expected, actual)) {
            return;
        }
        int size = Math.min(expected.size(), actual.size());
        int first = 0;
        while (first < size && expected.get(first).equals(actual.get(first))) {
            first++;
        }
        differences.add(what + ": expected " + expected.size() + " rows but was " + actual.size()
                + "; first difference at row " + first + ": expected "
                + (first < expected.size() ? expected.get(first) : "no row") + " but was "
                + (first < actual.size() ? actual.get(first) : "no row"));
    }

    /**
     * The invariants of a committed state, checked on a database no process is writing (after a
     * kill, or after the loaders ended). Fails with what is broken; returns a one-line description
     * of the state for the test's log.
     */
    public static String assertConsistent(SqliteFile db, String context) {
        if (!db.exists()) {
            return "no database file yet";
        }
        List<String> integrity = db.integrityCheck();
        if (!integrity.equals(List.of("ok"))) {
            throw new AssertionError(context + ": pragma integrity_check: " + integrity);
        }
        List<String> missing = SCHEMA_OBJECTS.stream().filter(name -> !db.hasTable(name)).toList();
        if (!missing.isEmpty()) {
            long batches = db.hasTable("batch_ledger") ? db.number("select count(*) from batch_ledger") : 0;
            if (batches > 0) {
                throw new AssertionError(context + ": " + batches + " batches applied while the schema lacks " + missing);
            }
            long changesets = db.hasTable("databasechangelog") ? db.number("select count(*) from databasechangelog") : 0;
            return "schema incomplete (" + changesets + " changesets applied; missing " + missing.size() + " tables and views)";
        }
        List<String> broken = new ArrayList<>();
        for (String table : List.of("stg_event", "stg_transaction", "stg_transaction_request",
                "stg_payment_instrument_token", "rejected_changes")) {
            long orphans = db.number("select count(*) from " + table
                    + " where batch_id not in (select batch_id from batch_ledger)");
            if (orphans > 0) {
                broken.add(orphans + " rows of " + table + " belong to no batch of the ledger");
            }
        }
        List<List<Object>> partial = db.rows("""
                with landed as (
                    select batch_id, count(*) as n
                    from (select batch_id from stg_event
                          union all select batch_id from stg_transaction
                          union all select batch_id from stg_transaction_request
                          union all select batch_id from stg_payment_instrument_token)
                    group by batch_id
                ),
                rejected as (
                    select batch_id, count(*) as n from rejected_changes group by batch_id
                )
                select l.batch_id, l.batch_no, l.changes_landed, coalesce(s.n, 0), l.changes_rejected, coalesce(r.n, 0)
                from batch_ledger as l
                left join landed as s on s.batch_id = l.batch_id
                left join rejected as r on r.batch_id = l.batch_id
                where l.changes_landed != coalesce(s.n, 0) or l.changes_rejected != coalesce(r.n, 0)
                limit 5""");
        if (!partial.isEmpty()) {
            broken.add("batches whose staging rows differ from the ledger's count"
                    + " [batch_id, batch_no, landed, stg rows, rejected, rejected rows]: " + partial);
        }
        List<List<Object>> twice = db.rows("""
                select input, batch_no, count(*)
                from batch_ledger
                where stream_hash is null
                group by input, batch_no
                having count(*) > 1
                limit 5""");
        if (!twice.isEmpty()) {
            broken.add("batches applied more than once [input, batch_no, times]: " + twice);
        }
        long lastSeq = db.number("select coalesce(max(last_change_seq), 0) from batch_ledger");
        long highestSeq = db.number("""
                select max(change_seq)
                from (select change_seq from stg_event
                      union all select change_seq from stg_transaction
                      union all select change_seq from stg_transaction_request
                      union all select change_seq from stg_payment_instrument_token
                      union all select change_seq from rejected_changes)""");
        if (highestSeq > lastSeq) {
            broken.add("change_seq " + highestSeq + " beyond the ledger's last_change_seq " + lastSeq);
        }
        for (String workTable : List.of("affected_key", "affected_event")) {
            long rows = db.number("select count(*) from " + workTable);
            if (rows > 0) {
                broken.add(workTable + " holds " + rows + " rows between batches");
            }
        }
        List<String> metricDifference = new ArrayList<>();
        addDifference(metricDifference, "metrics against the current_metric view", metrics(db, "current_metric"),
                metrics(db, "metrics"));
        broken.addAll(metricDifference);
        if (!broken.isEmpty()) {
            throw new AssertionError(context + ":\n  " + String.join("\n  ", broken));
        }
        return db.number("select count(*) from batch_ledger") + " batches in the ledger, consistent";
    }
}
