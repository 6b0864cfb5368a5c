package io.walmetrics.staging;

import static io.walmetrics.testing.Change.json;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values reach staging exactly as PostgreSQL wrote them: no rounding, no re-encoding. */
class FidelityTest {

    private static final String AWKWARD_TEXT = "Zürich ☕ 🧾 \"quoted\" back\\slash\nnew line\ttab 'single' \u0001 end";
    private static final String AWKWARD_JSON = "{\"note\": \"Zürich ☕ 🧾 \\\"quoted\\\" back\\\\slash\\nnew line\", "
            + "\"amount\": 12.3400, \"big\": 123456789012345678901234567890.123456789}";

    @TempDir
    Path dir;

    @Test
    void text_with_unicode_quotes_backslashes_and_newlines_lands_unchanged() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1").set("merchant_reference", AWKWARD_TEXT)));

        assertEquals(AWKWARD_TEXT, db.rows("select merchant_reference from stg_transaction").get(0).get("merchant_reference"));
        assertEquals(AWKWARD_TEXT, db.rows("select merchant_reference from current_transaction").get(0).get("merchant_reference"));
    }

    @Test
    void jsonb_text_lands_byte_for_byte_with_its_numbers_as_written() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(event("e1", "t1", "f1").set("error_details", json(AWKWARD_JSON))));

        assertEquals(AWKWARD_JSON, db.rows("select error_details from stg_event").get(0).get("error_details"));
        assertEquals(AWKWARD_JSON, db.rows("select error_details from current_event").get(0).get("error_details"));
    }

    @Test
    void numeric_values_keep_thirty_significant_digits_and_trailing_zeros_and_nan_is_null() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile()
                .record(transaction("t1").set("fee", new BigDecimal("123456789012345678901234567890")).type("fee", "numeric"))
                .record(transaction("t2").set("fee", new BigDecimal("1234567890.12345678901234567890")).type("fee", "numeric"))
                .record(transaction("t3").set("fee", new BigDecimal("12.3400")).type("fee", "numeric(10,4)"))
                .record(transaction("t4").set("fee", null).type("fee", "numeric")));

        // a numeric column the migrations do not declare is kept in extra_columns, as the JSON it arrived as
        var raw = db.rows("select transaction_id, extra_columns from stg_transaction order by transaction_id");
        assertEquals(Map.of("extra_columns", "{\"fee\":123456789012345678901234567890}", "transaction_id", "t1"), raw.get(0));
        assertEquals(Map.of("extra_columns", "{\"fee\":1234567890.12345678901234567890}", "transaction_id", "t2"), raw.get(1));
        assertEquals(Map.of("extra_columns", "{\"fee\":12.3400}", "transaction_id", "t3"), raw.get(2));
        assertEquals(Map.of("extra_columns", "{\"fee\":null}", "transaction_id", "t4"), raw.get(3));
    }

    @Test
    void a_bigint_beyond_doubles_precision_lands_exactly() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(event("e1", "t1", "f1").set("event_sort_id", 9_007_199_254_740_993L)));

        assertEquals(9_007_199_254_740_993L, db.rows("select event_sort_id from stg_event").get(0).get("event_sort_id"));
    }

    @Test
    void a_jsonb_null_document_is_json_text_and_sql_null_stays_sql_null() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(event("e1", "t1", "f1").set("error_details", json("null")).set("updates", null)));

        var row = db.rows("select error_details, updates from stg_event").get(0);
        assertEquals("null", row.get("error_details"));
        assertNull(row.get("updates"));
    }
}
