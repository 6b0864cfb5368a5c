package io.walmetrics.load;

import static io.walmetrics.testing.Change.json;
import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.REQUEST;
import static io.walmetrics.testing.Rows.TOKEN;
import static io.walmetrics.testing.Rows.TRANSACTION;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One rule of of docs/reference.md a test: a small WAL input, then what the SQLite file holds afterwards
 * (metrics, current_*, stg_*, rejected_changes) and what the load reported.
 */
class LoadScenarioTest {

    private static final String EARLIER = "2021-06-03 07:00:00.000000";
    private static final String LATER = "2021-06-03 08:00:00.000000";

    @TempDir
    Path dir;

    private int textFiles;

    // ---- insert

    @Test
    void when_all_four_rows_arrive_in_one_batch_then_one_metric_row_joins_them() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1")));

        var metric = db.metric("e1");
        assertEquals("f1", metric.get("flow_id"));
        assertEquals("t1", metric.get("transaction_id"));
        assertEquals(58179, metric.get("amount"));
        assertEquals("DO_NOT_HONOR", metric.get("decline_reason"));
        assertEquals("SOFT", metric.get("decline_type"));
        assertEquals("NEVER", metric.get("payment_method"));
        assertEquals("cust-1", metric.get("customer_id"));
        assertEquals("{\"response_code\": \"AUTH_SUCCESS\"}", metric.get("three_d_secure_authentication"));
    }

    @Test
    void when_rows_are_inserted_then_each_lands_in_staging_and_current_state_and_the_report_counts_them() {
        TestDb db = TestDb.in(dir);
        LoadReport report = loadJoined(db);

        assertEquals(1, report.batchesRead());
        assertEquals(1, report.batchesApplied());
        assertEquals(4, report.changesLanded());
        assertEquals(0, report.changesIgnored());
        assertEquals(0, report.changesRejected());
        assertEquals(1, report.metricsUpserted());
        assertEquals(1, report.metricRows());
        for (String source : List.of("event", "transaction", "transaction_request", "payment_instrument_token")) {
            assertEquals(1, db.count("stg_" + source), "stg_" + source);
            assertEquals(1, db.count("current_" + source), "current_" + source);
        }
        assertEquals("insert", text(db, "select kind from stg_event"));
        assertEquals("e1", text(db, "select id from current_event"));
        assertEquals(1L, ((Number) db.metric("e1").get("updated_in_batch")).longValue());
    }

    @Test
    void when_an_event_arrives_under_the_legacy_table_name_then_its_key_column_is_id() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"),
                Change.insert("event").set("id", "e1").set("transaction_id", "t1").set("flow_id", "f1")));

        assertEquals("e1", text(db, "select id from current_event"));
        assertNotNull(db.metric("e1"));
    }

    // ---- update

    @Test
    void when_the_lifecycle_event_of_an_event_is_updated_then_the_metric_changes() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        LoadReport report = db.load(new WalFile().record(
                eventUpdate("e1", "t1", "f1").set("transaction_lifecycle_event", "AUTHORIZATION_SUCCEEDED")));

        assertEquals("AUTHORIZATION_SUCCEEDED", db.metric("e1").get("transaction_lifecycle_event"));
        assertEquals(1, report.metricsUpserted());
        assertEquals(2L, ((Number) db.metric("e1").get("updated_in_batch")).longValue());
    }

    @Test
    void when_the_amount_of_a_transaction_is_updated_then_the_metric_amount_changes() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(transactionUpdate("t1").set("amount", 1200)));

        assertEquals(1200, db.metric("e1").get("amount"));
        assertEquals(1200, db.rows("select amount from current_transaction").get(0).get("amount"));
    }

    @Test
    void when_an_event_update_leaves_out_its_unchanged_toast_error_details_then_the_decline_reason_is_kept() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(eventUpdate("e1", "t1", "f1")
                .set("transaction_lifecycle_event", "AUTHORIZATION_SUCCEEDED").omit("error_details")));

        var metric = db.metric("e1");
        assertEquals("AUTHORIZATION_SUCCEEDED", metric.get("transaction_lifecycle_event"));
        assertEquals("DO_NOT_HONOR", metric.get("decline_reason"));
        assertEquals("SOFT", metric.get("decline_type"));
        assertEquals("{\"source\": \"ADYEN\", \"decline_type\": \"SOFT\", \"decline_reason\": \"DO_NOT_HONOR\"}", text(db, "select error_details from current_event where id = 'e1'"));
    }

    @Test
    void when_a_token_update_leaves_out_its_unchanged_toast_vault_data_then_the_customer_is_kept() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(tokenUpdate("k1").set("payment_instrument_type", "PAYPAL").omit("vault_data")));

        var metric = db.metric("e1");
        assertEquals("PAYPAL", metric.get("payment_instrument_type"));
        assertEquals("cust-1", metric.get("customer_id"));
        assertEquals("{\"customer_id\": \"cust-1\"}", text(db, "select vault_data from current_payment_instrument_token"));
    }

    @Test
    void when_an_update_carries_full_identity_without_changing_the_key_then_the_row_is_updated_in_place() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(transactionUpdate("t1").set("amount", 99)
                .fullIdentity(Map.of("transaction_id", "t1", "amount", 58179, "currency_code", "GBP"))));

        assertEquals(List.of("t1"), column(db, "select transaction_id from current_transaction"));
        assertEquals(99, db.metric("e1").get("amount"));
    }

    @Test
    void when_an_update_arrives_for_a_row_never_seen_then_it_stores_what_it_carries() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"),
                transactionUpdate("t1").set("amount", 4321).omit("risk_data")));

        assertEquals(List.of("t1"), column(db, "select transaction_id from current_transaction"));
        assertEquals("GBP", text(db, "select currency_code from current_transaction"));
        assertNull(text(db, "select risk_data from current_transaction"));
        assertEquals(4321, db.metric("e1").get("amount"));
    }

    // ---- key-changing update

    @Test
    void when_an_update_changes_the_event_key_then_the_metric_moves_to_the_new_id() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        LoadReport report = db.load(new WalFile().record(eventUpdate("e2", "t1", "f1").oldKey("e1").omit("error_details")));

        assertEquals(List.of("e2"), column(db, "select id from current_event"));
        assertNull(db.metric("e1"));
        assertEquals("DO_NOT_HONOR", db.metric("e2").get("decline_reason"), "the moved row keeps its TOAST value");
        assertEquals(1, report.metricsUpserted());
        assertEquals(1, report.metricsDeleted());
        assertEquals("e1", text(db, "select old_key from stg_event where kind = 'update'"));
    }

    @Test
    void when_an_update_changes_the_transaction_key_then_the_metric_of_its_event_disappears() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        LoadReport report = db.load(new WalFile().record(transactionUpdate("t2").oldKey("t1")));

        assertEquals(List.of("t2"), column(db, "select transaction_id from current_transaction"));
        assertNull(db.metric("e1"));
        assertEquals(1, report.metricsDeleted());
    }

    @Test
    void when_the_transaction_key_changes_and_its_event_follows_then_the_metric_uses_the_new_key() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(transactionUpdate("t2").oldKey("t1"), eventUpdate("e1", "t2", "f1")));

        assertEquals("t2", db.metric("e1").get("transaction_id"));
    }

    // ---- delete

    @Test
    void when_a_delete_carries_the_primary_key_then_the_row_and_its_metric_are_gone() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        LoadReport report = db.load(new WalFile().record(Change.delete(EVENT, "e1")));

        assertEquals(0, db.count("current_event"));
        assertNull(db.metric("e1"));
        assertEquals(1, report.metricsDeleted());
        assertEquals(0, report.metricRows());
        assertEquals("e1", text(db, "select old_key from stg_event where kind = 'delete'"));
    }

    @Test
    void when_a_delete_carries_the_full_identity_then_the_row_is_found_by_its_key_column() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(Change.delete(TRANSACTION, "t1")
                .fullIdentity(Map.of("transaction_id", "t1", "amount", 58179, "currency_code", "GBP", "transaction_type", "SALE"))));

        assertEquals(0, db.count("current_transaction"));
        assertNull(db.metric("e1"));
    }

    @Test
    void when_the_identity_lists_the_key_column_after_other_columns_then_it_is_still_found_by_name() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        loadText(db, """
                [[{"change":[{"kind":"delete","schema":"public","table":"transaction",
                  "oldkeys":{"keynames":["amount","currency_code","transaction_id"],
                             "keytypes":["integer","character(3)","uuid"],
                             "keyvalues":[58179,"GBP","t1"]}}]}]]
                """);

        assertEquals(0, db.count("current_transaction"));
        assertNull(db.metric("e1"));
    }

    @Test
    void when_a_delete_follows_an_update_then_the_row_is_gone() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.load(new WalFile().record(transactionUpdate("t1").set("amount", 5)).record(Change.delete(TRANSACTION, "t1")));

        assertEquals(0, db.count("current_transaction"));
        assertNull(db.metric("e1"));
    }

    @Test
    void when_a_row_is_deleted_and_inserted_again_in_the_same_batch_then_it_is_back() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile()
                .record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .record(Change.delete(TRANSACTION, "t1"))
                .record(transaction("t1").set("amount", 777)));

        assertEquals(777, db.rows("select amount from current_transaction where transaction_id = 't1'").get(0).get("amount"));
        assertEquals(777, db.metric("e1").get("amount"));
    }

    @Test
    void when_a_row_is_deleted_in_one_batch_and_inserted_again_in_the_next_then_it_is_back() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        db.loadBatchByBatch(new WalFile().record(Change.delete(TRANSACTION, "t1")).batch().record(transaction("t1").set("amount", 777)));

        assertEquals(777, db.metric("e1").get("amount"));
        assertEquals(List.of("deleted 1, upserted 0", "deleted 0, upserted 1"), column(db,
                "select 'deleted ' || metrics_deleted || ', upserted ' || metrics_upserted from batch_ledger where batch_id > 1 order by batch_id"));
    }

    // ---- truncate

    /** A database with two metrics, e1 (t1, f1, r1, k1) and e2 (t2, f2, r2, k2), that share no row. */
    private TestDb twoMetrics() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"),
                transaction("t2"), token("k2"), request("r2", "f2", "k2"), event("e2", "t2", "f2")));
        return db;
    }

    @ParameterizedTest(name = "truncate {0}")
    @ValueSource(strings = {EVENT, TRANSACTION, REQUEST, TOKEN, "event", "payment_instrument_token"})
    void when_a_source_table_is_truncated_then_its_rows_and_every_metric_they_joined_are_gone(String walTable) {
        TestDb db = twoMetrics();

        LoadReport report = db.load(new WalFile().record(Change.truncate(walTable)));

        String source = switch (walTable) {
            case EVENT, "event" -> "event";
            case TOKEN, "payment_instrument_token" -> "payment_instrument_token";
            default -> walTable;
        };
        assertEquals(List.of(1L, 0L, 0L, 2L, 0L, 0L), List.of(report.changesLanded(), report.changesIgnored(),
                report.changesRejected(), report.metricsDeleted(), report.metricsUpserted(), report.metricRows()));
        assertEquals(0, db.count("current_" + source));
        for (String other : List.of("event", "transaction", "transaction_request", "payment_instrument_token")) {
            if (!other.equals(source)) {
                assertEquals(2, db.count("current_" + other), "current_" + other + " keeps its rows");
            }
        }
        assertEquals(List.of(Map.of("batch_id", 2, "change_no", 1, "change_seq", 9, "record_no", 1, "source", source,
                        "wal_schema", "public", "wal_table", walTable)),
                db.rows("select change_seq, batch_id, record_no, change_no, source, wal_schema, wal_table from stg_truncate"));
        assertEquals(List.of("e1 2", "e2 2"), column(db, "select id || ' ' || deleted_in_batch from metric_deletions order by id"));
        assertEquals(List.of("delete e1 2", "delete e2 2"), column(db, "select op || ' ' || id || ' ' || batch_id from metric_feed order by id"));
    }

    @Test
    void when_a_table_is_truncated_and_a_row_inserted_again_in_the_same_batch_then_only_that_rows_metric_is_back() {
        TestDb db = twoMetrics();

        LoadReport report = db.load(new WalFile()
                .record(tokenUpdate("k2").set("payment_instrument_type", "PAYPAL"))
                .record(Change.truncate(TOKEN))
                .record(token("k1").set("payment_instrument_type", "APPLE_PAY")));

        assertEquals(List.of("k1 APPLE_PAY"), column(db, "select token_id || ' ' || payment_instrument_type from current_payment_instrument_token"));
        assertEquals(List.of("e1 APPLE_PAY 2"), column(db, "select id || ' ' || payment_instrument_type || ' ' || updated_in_batch from metrics"));
        assertEquals(List.of("e2 2"), column(db, "select id || ' ' || deleted_in_batch from metric_deletions"));
        assertEquals(List.of(3L, 1L, 1L), List.of(report.changesLanded(), report.metricsUpserted(), report.metricsDeleted()));
    }

    @Test
    void when_a_table_is_truncated_and_rows_come_back_in_a_later_batch_then_their_metrics_come_back_then() {
        TestDb db = twoMetrics();

        db.loadBatchByBatch(new WalFile()
                .record(Change.truncate(REQUEST))
                .batch().record(request("r2", "f2", "k2"))
                .batch().record(request("r1", "f1", "k1")));

        assertEquals(List.of("deleted 2, upserted 0", "deleted 0, upserted 1", "deleted 0, upserted 1"), column(db,
                "select 'deleted ' || metrics_deleted || ', upserted ' || metrics_upserted from batch_ledger where batch_id > 1 order by batch_id"));
        assertEquals(List.of("e1 4", "e2 3"), column(db, "select id || ' ' || updated_in_batch from metrics order by id"));
        assertEquals(List.of("index e1 4", "index e2 3"), column(db, "select op || ' ' || id || ' ' || batch_id from metric_feed order by id"));
    }

    @Test
    void when_a_truncate_falls_inside_a_group_of_batches_then_the_group_ends_as_the_changes_applied_in_order_do() {
        TestDb db = twoMetrics();

        // batch 2: k1 changes (gone with the truncate); batch 3: a third flow, then the truncate of
        // the tokens in the middle of its record, then k3 for it; batch 4: k2 back; batch 5: k1 back
        // and a truncate of the transactions after it, t1 back
        LoadReport report = db.load(new WalFile()
                .batch().record(tokenUpdate("k1").set("payment_instrument_type", "PAYPAL"))
                .batch().record(transaction("t3"), request("r3", "f3", "k3"), event("e3", "t3", "f3"), token("k3"),
                        Change.truncate(TOKEN), token("k3").set("payment_instrument_type", "APPLE_PAY"))
                .batch().record(token("k2"))
                .batch().record(token("k1")).record(Change.truncate(TRANSACTION)).record(transaction("t1").set("amount", 5)),
                new LoadOptions(null, false).withGroupBatches(Integer.MAX_VALUE));

        assertEquals(4, report.batchesApplied());
        assertEquals(List.of("k1 PAYMENT_CARD", "k2 PAYMENT_CARD", "k3 APPLE_PAY"), column(db,
                "select token_id || ' ' || payment_instrument_type from current_payment_instrument_token order by 1"));
        assertEquals(List.of("t1 5"), column(db, "select transaction_id || ' ' || amount from current_transaction"));
        assertEquals(List.of("e1 5 PAYMENT_CARD 5"), column(db,
                "select id || ' ' || amount || ' ' || payment_instrument_type || ' ' || updated_in_batch from metrics order by id"));
        assertEquals(List.of("e2 5"), column(db, "select id || ' ' || deleted_in_batch from metric_deletions order by id"));
        assertEquals(List.of("deleted 0, upserted 0", "deleted 0, upserted 0", "deleted 0, upserted 0", "deleted 1, upserted 1"), column(db,
                "select 'deleted ' || metrics_deleted || ', upserted ' || metrics_upserted from batch_ledger where batch_id > 1 order by batch_id"));
    }

    @Test
    void when_a_table_that_is_no_source_is_truncated_then_the_truncate_is_ignored_and_counted() {
        TestDb db = TestDb.in(dir);
        loadJoined(db);

        LoadReport report = loadText(db, """
                [[{"xid":771,"nextlsn":"0/16D3A10","change":[{"kind":"truncate","schema":"public","table":"audit_log"}]}]]
                """);

        assertEquals(List.of(0L, 1L, 0L), List.of(report.changesLanded(), report.changesIgnored(), report.changesRejected()));
        assertEquals(0, db.count("stg_truncate"));
        assertEquals(1, report.metricRows());
    }

    @Test
    void when_a_truncate_carries_columns_then_it_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges("""
                {"kind":"truncate","schema":"public","table":"transaction","columnnames":["transaction_id"],\
                "columntypes":["uuid"],"columnvalues":["t1"]}""", TRANSACTION, "a truncate carries no columnnames, columntypes, columnvalues or oldkeys");
    }

    @Test
    void when_a_truncate_carries_oldkeys_then_it_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges("""
                {"kind":"truncate","schema":"public","table":"transaction",\
                "oldkeys":{"keynames":["transaction_id"],"keytypes":["uuid"],"keyvalues":["t1"]}}""", TRANSACTION,
                "a truncate carries no columnnames, columntypes, columnvalues or oldkeys");
    }

    // ---- changes that land nowhere

    @Test
    void when_a_change_is_for_an_unknown_table_then_it_is_counted_as_ignored_and_lands_nowhere() {
        TestDb db = TestDb.in(dir);
        LoadReport report = db.load(new WalFile().record(Change.insert("audit_log").set("id", "a1").set("amount", 5)));

        assertEquals(1, report.changesIgnored());
        assertEquals(0, report.changesLanded());
        assertEquals(0, report.changesRejected());
        assertEquals(0, stagedChanges(db));
        assertEquals(0, db.count("rejected_changes"));
        assertEquals(0, db.count("schema_drift"));
        assertEquals(1, db.count("batch_ledger"));
    }

    @Test
    void when_a_record_has_an_empty_change_array_then_the_batch_applies_and_nothing_lands() {
        TestDb db = TestDb.in(dir);
        LoadReport report = loadText(db, """
                [[{"xid":771,"nextlsn":"0/16D3A10","timestamp":"2021-06-03 07:47:50.013974+00","change":[]}]]
                """);

        assertEquals(1, report.batchesApplied());
        assertEquals(0, report.changesLanded() + report.changesIgnored() + report.changesRejected());
        assertEquals(0, stagedChanges(db));
        assertEquals(List.of(1L), longs(db, "select records from batch_ledger"));
    }

    @Test
    void when_a_message_change_arrives_then_it_is_ignored_and_counted() {
        TestDb db = TestDb.in(dir);
        LoadReport report = loadText(db, """
                [[{"change":[{"kind":"message","transactional":false,"prefix":"wal2json","content":"hello"},
                             %s]}]]
                """.formatted(transaction("t1").toJson()));

        assertEquals(1, report.changesIgnored());
        assertEquals(1, report.changesLanded());
        assertEquals(0, report.changesRejected());
        assertEquals(1, stagedChanges(db));
        assertEquals(0, db.count("rejected_changes"));
    }

    // ---- partners arriving in other batches, fan-out to several metrics

    @Test
    void when_an_event_arrives_a_batch_before_its_transaction_then_the_metric_appears_with_the_transaction() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile()
                .batch().record(event("e1", "t1", "f1"), request("r1", "f1", "k1"), token("k1"))
                .batch().record(transaction("t1")));

        assertEquals(List.of(0L, 1L), longs(db, "select metrics_upserted from batch_ledger order by batch_id"));
        assertEquals(2L, ((Number) db.metric("e1").get("updated_in_batch")).longValue());
    }

    @Test
    void when_an_event_arrives_a_file_before_its_transaction_then_the_metric_appears_with_the_second_file() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(event("e1", "t1", "f1"), request("r1", "f1", "k1"), token("k1")));
        assertNull(db.metric("e1"));
        assertEquals(1, db.count("current_event"), "the event waits in current state");

        LoadReport second = db.load(new WalFile().record(transaction("t1")));

        assertEquals("t1", db.metric("e1").get("transaction_id"));
        assertEquals(1, second.metricsUpserted());
    }

    @Test
    void when_a_transaction_has_several_events_then_each_event_has_its_own_metric() {
        TestDb db = TestDb.in(dir);
        LoadReport report = db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"),
                event("e1", "t1", "f1"), event("e2", "t1", "f1"), event("e3", "t1", "f1")));

        assertEquals(List.of("e1", "e2", "e3"), column(db, "select id from metrics where transaction_id = 't1' order by id"));
        assertEquals(3, report.metricRows());
    }

    @Test
    void when_the_amount_of_a_transaction_with_several_events_changes_then_every_metric_shows_it() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"),
                event("e1", "t1", "f1"), event("e2", "t1", "f1"), event("e3", "t1", "f1")));

        LoadReport report = db.load(new WalFile().record(transactionUpdate("t1").set("amount", 100)));

        assertEquals(List.of(100L, 100L, 100L), longs(db, "select amount from metrics order by id"));
        assertEquals(3, report.metricsUpserted());
    }

    @Test
    void when_a_token_changes_then_every_metric_whose_chosen_request_uses_it_changes() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), token("k2").set("payment_instrument_type", "PAYPAL"),
                request("r1", "f1", "k1"), request("r2", "f2", "k1"),
                request("r3-old", "f3", "k1", EARLIER), request("r3", "f3", "k2", LATER),
                event("e1", "t1", "f1"), event("e2", "t1", "f2"), event("e3", "t1", "f3")));

        LoadReport report = db.load(new WalFile().record(tokenUpdate("k1").set("payment_instrument_type", "APPLE_PAY")));

        assertEquals(List.of("APPLE_PAY", "APPLE_PAY", "PAYPAL"), column(db, "select payment_instrument_type from metrics order by id"));
        assertEquals(2, report.metricsUpserted());
        assertEquals(1L, ((Number) db.metric("e3").get("updated_in_batch")).longValue(), "e3's chosen request uses k2");
    }

    // ---- the chosen transaction_request of a flow

    @Test
    void when_a_flow_has_several_requests_then_the_one_created_last_is_used() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"),
                request("r-b", "f1", "k1", LATER).set("vault_options", json("{\"payment_method\": \"ON_SUCCESS\"}")),
                request("r-a", "f1", "k1", EARLIER),
                event("e1", "t1", "f1")));

        assertEquals("ON_SUCCESS", db.metric("e1").get("payment_method"));
    }

    @Test
    void when_two_requests_of_a_flow_share_created_at_then_the_greatest_request_id_is_used() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"),
                request("r-b", "f1", "k1", EARLIER).set("vault_options", json("{\"payment_method\": \"ON_SUCCESS\"}")),
                request("r-a", "f1", "k1", EARLIER),
                event("e1", "t1", "f1")));

        assertEquals("ON_SUCCESS", db.metric("e1").get("payment_method"));
    }

    @Test
    void when_a_newer_request_arrives_later_then_the_metric_follows_it() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), token("k2").set("payment_instrument_type", "PAYPAL"),
                request("r1", "f1", "k1", EARLIER), event("e1", "t1", "f1")));
        assertEquals("NEVER", db.metric("e1").get("payment_method"));

        db.load(new WalFile().record(
                request("r2", "f1", "k2", LATER).set("vault_options", json("{\"payment_method\": \"ON_SUCCESS\"}"))));

        assertEquals("ON_SUCCESS", db.metric("e1").get("payment_method"));
        assertEquals("PAYPAL", db.metric("e1").get("payment_instrument_type"));
    }

    @Test
    void when_the_chosen_request_is_deleted_then_the_metric_falls_back_to_the_previous_request() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1", EARLIER),
                request("r2", "f1", "k1", LATER).set("vault_options", json("{\"payment_method\": \"ON_SUCCESS\"}")),
                event("e1", "t1", "f1")));

        db.load(new WalFile().record(Change.delete(REQUEST, "r2")));

        assertEquals("NEVER", db.metric("e1").get("payment_method"));
    }

    // ---- a partner deleted and inserted again

    @Test
    void when_the_transaction_is_deleted_then_the_metric_goes_and_reinserting_it_brings_it_back() {
        assertPartnerDeleteAndReinsert(Change.delete(TRANSACTION, "t1"), transaction("t1"));
    }

    @Test
    void when_the_request_is_deleted_then_the_metric_goes_and_reinserting_it_brings_it_back() {
        assertPartnerDeleteAndReinsert(Change.delete(REQUEST, "r1"), request("r1", "f1", "k1"));
    }

    @Test
    void when_the_token_is_deleted_then_the_metric_goes_and_reinserting_it_brings_it_back() {
        assertPartnerDeleteAndReinsert(Change.delete(TOKEN, "k1"), token("k1"));
    }

    private void assertPartnerDeleteAndReinsert(Change delete, Change reinsert) {
        TestDb db = TestDb.in(dir);
        loadJoined(db);
        var before = db.metric("e1");

        LoadReport deleting = db.load(new WalFile().record(delete));
        assertNull(db.metric("e1"));
        assertEquals(1, deleting.metricsDeleted());

        db.load(new WalFile().record(reinsert));
        var after = db.metric("e1");
        assertNotNull(after);
        after.remove("updated_in_batch");
        before.remove("updated_in_batch");
        assertEquals(before, after);
    }

    // ---- values kept exactly, columns the migrations do not know

    @Test
    void when_a_drifted_numeric_column_arrives_then_its_exact_decimal_text_is_kept() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1")
                .set("fee", new BigDecimal("12345678901234567890.123456789")).type("fee", "numeric")
                .set("rate", new BigDecimal("12.3400")).type("rate", "numeric(8,4)")));
        db.load(new WalFile().record(transactionUpdate("t1")
                .set("fee", new BigDecimal("98765432109876543210.987654321")).type("fee", "numeric")
                .set("rate", new BigDecimal("12.3400")).type("rate", "numeric(8,4)")));

        assertEquals(List.of("{\"fee\":12345678901234567890.123456789,\"rate\":12.3400}",
                        "{\"fee\":98765432109876543210.987654321,\"rate\":12.3400}"),
                column(db, "select extra_columns from stg_transaction order by change_seq"));
        assertEquals("{\"fee\":98765432109876543210.987654321,\"rate\":12.3400}",
                text(db, "select extra_columns from current_transaction"));
    }

    @Test
    void when_an_integer_is_beyond_double_precision_then_it_lands_exactly() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1").set("amount", 9007199254740993L)));

        assertEquals(List.of(9007199254740993L), longs(db, "select amount from stg_transaction"));
        assertEquals(List.of(9007199254740993L), longs(db, "select amount from current_transaction"));
    }

    @Test
    void when_a_change_carries_an_unknown_column_then_it_is_kept_in_extra_columns_and_reported_as_drift() {
        TestDb db = TestDb.in(dir);
        LoadReport report = db.load(new WalFile().record(event("e1", "t1", "f1").set("risk_score", "high")));

        assertEquals("{\"risk_score\":\"high\"}", text(db, "select extra_columns from stg_event"));
        assertEquals("{\"risk_score\":\"high\"}", text(db, "select extra_columns from current_event"));
        assertEquals(List.of("event_v2_data.risk_score: text, not in the migrations"), report.schemaDrift());
        assertEquals(List.of(Map.of("wal_table", EVENT, "column_name", "risk_score", "observed_type", "text", "changes", 1)),
                db.rows("select wal_table, column_name, observed_type, changes from schema_drift where expected_type is null"));
    }

    @Test
    void when_an_update_leaves_out_an_unknown_column_then_its_value_is_kept() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(event("e1", "t1", "f1").set("risk_score", "high")));

        db.load(new WalFile().record(eventUpdate("e1", "t1", "f1").set("reason", "retry")));

        assertEquals("{\"risk_score\":\"high\"}", text(db, "select extra_columns from current_event"));
        assertEquals("retry", text(db, "select reason from current_event"));
    }

    @Test
    void when_a_drifted_numeric_has_more_than_a_thousand_digits_then_its_exact_text_is_kept() {
        TestDb db = TestDb.in(dir);
        String digits = "9".repeat(1200) + ".5";
        LoadReport report = db.load(new WalFile().record(transaction("t1").set("fee", new BigDecimal(digits)).type("fee", "numeric")));

        assertEquals(1, report.changesLanded());
        assertEquals("{\"fee\":" + digits + "}", text(db, "select extra_columns from stg_transaction"));
    }

    @Test
    void when_a_jsonb_value_holds_a_number_of_more_than_a_thousand_digits_then_it_is_valid_json_and_lands() {
        TestDb db = TestDb.in(dir);
        String vaultData = "{\"customer_id\": \"cust-1\", \"limit\": " + "9".repeat(1200) + "}";
        LoadReport report = db.load(new WalFile().record(token("k1").set("vault_data", json(vaultData))));

        assertEquals(0, report.changesRejected(), () -> report.firstRejections().toString());
        assertEquals(vaultData, text(db, "select vault_data from current_payment_instrument_token"));
    }

    @Test
    void when_an_update_sets_an_unknown_column_to_null_then_current_state_holds_the_null() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(event("e1", "t1", "f1").set("risk_score", "high")));

        db.load(new WalFile().record(eventUpdate("e1", "t1", "f1").set("risk_score", null)));

        assertEquals("{\"risk_score\":null}", text(db, "select extra_columns from stg_event where kind = 'update'"));
        assertEquals("null", text(db, "select json_type(extra_columns, '$.risk_score') from current_event"),
                "the row's risk_score is null now, not unknown");
    }

    @Test
    void when_event_v2_data_carries_an_unknown_column_named_id_then_it_is_drift_and_event_id_stays_the_key() {
        TestDb db = TestDb.in(dir);
        LoadReport report = db.load(new WalFile().record(event("e1", "t1", "f1").set("id", "legacy-42")));

        assertEquals(0, report.changesRejected(), () -> report.firstRejections().toString());
        assertEquals(List.of("e1"), column(db, "select id from current_event"));
        assertEquals("{\"id\":\"legacy-42\"}", text(db, "select extra_columns from current_event"));
        assertEquals(List.of("event_v2_data.id: text, not in the migrations"), report.schemaDrift());
    }

    @Test
    void when_a_known_column_arrives_with_another_type_then_a_fitting_value_lands_and_the_type_is_reported() {
        TestDb db = TestDb.in(dir);
        LoadReport report = db.load(new WalFile().record(transaction("t1").set("amount", 77).type("amount", "bigint")));

        assertEquals(List.of(77L), longs(db, "select amount from current_transaction"));
        assertEquals(List.of(Map.of("column_name", "amount", "observed_type", "bigint", "expected_type", "integer")),
                db.rows("select column_name, observed_type, expected_type from schema_drift"));
        assertEquals(List.of("transaction.amount: bigint, declared integer"), report.schemaDrift());
    }

    // ---- rejected changes: kept whole with their reason, the rest of the batch applies

    @Test
    void when_a_string_arrives_in_the_integer_amount_then_the_change_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges(transaction("t2").set("amount", "abc").toJson(), TRANSACTION, "column amount of transaction: \"abc\" is not an integer");
    }

    @Test
    void when_a_jsonb_column_holds_invalid_json_then_the_change_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges(token("k2").set("vault_data", json("{\"customer_id\": ")).toJson(), TOKEN, "column vault_data of payment_instrument_token_data: \"{\\\"customer_id\\\": \" is not valid JSON");
    }

    @Test
    void when_a_change_has_no_key_column_then_it_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges(transaction("t2").omit("transaction_id").toJson(), TRANSACTION, "the insert carries no key column transaction_id");
    }

    @Test
    void when_column_and_value_counts_differ_then_the_change_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges("""
                {"kind":"insert","schema":"public","table":"transaction","columnnames":["transaction_id","amount"],\
                "columntypes":["uuid","integer"],"columnvalues":["t2"]}""", TRANSACTION, "columnnames has 2 names, columntypes 2 types and columnvalues 1 values");
    }

    @Test
    void when_a_known_table_gets_an_unknown_kind_then_the_change_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges(Change.kind("upsert", TRANSACTION).set("transaction_id", "t2").toJson(), TRANSACTION, "unknown kind \"upsert\" for table transaction");
    }

    @Test
    void when_a_delete_has_no_oldkeys_then_it_is_rejected_and_the_rest_applies() {
        assertRejectedBetweenGoodChanges(Change.kind("delete", TRANSACTION).toJson(), TRANSACTION, "a delete without oldkeys");
    }

    /**
     * Loads one batch of two records, [t1, bad, k1] and [r1, e1]: the bad change is rejected whole,
     * with its position, and everything else lands and joins.
     */
    private void assertRejectedBetweenGoodChanges(String badChange, String walTable, String expectedReason) {
        TestDb db = TestDb.in(dir);
        LoadReport report = loadText(db, "[[{\"change\":[" + transaction("t1").toJson() + ",\n" + badChange + ",\n"
                + token("k1").toJson() + "]},\n{\"change\":[" + request("r1", "f1", "k1").toJson() + ","
                + event("e1", "t1", "f1").toJson() + "]}]]");

        assertEquals(1, report.changesRejected());
        assertEquals(4, report.changesLanded());
        assertEquals(1, report.firstRejections().size());
        assertEquals(4, stagedChanges(db));
        assertEquals("e1", db.metric("e1").get("id"), "the rest of the batch applies");
        var rejected = db.rows("select batch_id, record_no, change_no, wal_table, reason, json(raw_json) as raw from rejected_changes");
        assertEquals(1, rejected.size());
        var row = rejected.get(0);
        assertEquals(List.of(1, 1, 2, walTable), List.of(row.get("batch_id"), row.get("record_no"), row.get("change_no"), row.get("wal_table")));
        assertEquals(expectedReason, row.get("reason"));
        assertEquals(text(db, "select json('" + badChange.replace("'", "''") + "')"), row.get("raw"));
    }

    // ---- helpers

    /** The four rows of one metric, e1 of transaction t1 in flow f1 with token k1, as one record. */
    private static LoadReport loadJoined(TestDb db) {
        return db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1")));
    }

    /** Loads WAL text written as is, for shapes {@link Change} does not write. */
    private LoadReport loadText(TestDb db, String walJson) {
        try {
            Path file = Files.writeString(db.dir().resolve("text-" + (++textFiles) + ".json"), walJson);
            return db.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long stagedChanges(TestDb db) {
        return db.count("stg_event") + db.count("stg_transaction") + db.count("stg_transaction_request")
                + db.count("stg_payment_instrument_token");
    }

    private static String text(TestDb db, String sql) {
        return db.jdbi().withHandle(handle -> handle.createQuery(sql).mapTo(String.class).one());
    }

    private static List<String> column(TestDb db, String sql) {
        return db.jdbi().withHandle(handle -> handle.createQuery(sql).mapTo(String.class).list());
    }

    private static List<Long> longs(TestDb db, String sql) {
        return db.jdbi().withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).list());
    }

    private static Change eventUpdate(String id, String transactionId, String flowId) {
        return event(id, transactionId, flowId).asUpdate();
    }

    private static Change transactionUpdate(String id) {
        return transaction(id).asUpdate();
    }

    private static Change tokenUpdate(String id) {
        return token(id).asUpdate();
    }
}
