package io.walmetrics.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One wal2json change at a time, as the reader parses each element of a record's change array. */
class ChangeParserTest {

    private static final ChangePosition AT = new ChangePosition(3, 2, 1);
    private static final Lsn LSN = Lsn.parse("0/16D3E20");

    private static WalChange parse(String json) throws IOException {
        return ChangeParser.parse(json, AT, LSN);
    }

    private static WalValue string(String text) {
        return new WalValue(WalValue.Type.STRING, text);
    }

    private static WalValue integer(String text) {
        return new WalValue(WalValue.Type.INTEGER, text);
    }

    private static WalChange wellFormed(String kind, List<String> names, List<String> types, List<WalValue> values, OldKeys oldKeys) {
        return new WalChange(AT, kind, "public", "transaction", names, types, values, oldKeys, null, Map.of(), LSN);
    }

    @Test
    void an_insert_carries_its_columns_and_no_old_keys() throws IOException {
        assertEquals(wellFormed("insert", List.of("transaction_id", "amount"), List.of("uuid", "integer"),
                        List.of(string("t1"), integer("100")), null),
                parse("{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\",\"columnnames\":[\"transaction_id\",\"amount\"],"
                        + "\"columntypes\":[\"uuid\",\"integer\"],\"columnvalues\":[\"t1\",100]}"));
    }

    @Test
    void an_update_that_changed_its_key_carries_the_old_key() throws IOException {
        assertEquals(wellFormed("update", List.of("transaction_id", "amount"), List.of("uuid", "integer"),
                        List.of(string("t2"), integer("7")), new OldKeys(List.of("transaction_id"), List.of("uuid"), List.of(string("t1")))),
                parse("{\"kind\":\"update\",\"schema\":\"public\",\"table\":\"transaction\",\"columnnames\":[\"transaction_id\",\"amount\"],"
                        + "\"columntypes\":[\"uuid\",\"integer\"],\"columnvalues\":[\"t2\",7],"
                        + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"],\"keyvalues\":[\"t1\"]}}"));
    }

    @Test
    void an_update_that_left_out_toast_columns_carries_only_the_others() throws IOException {
        // vault_data (a large jsonb) is unchanged and stored out of line: wal2json leaves it out
        assertEquals(new WalChange(AT, "update", "public", "payment_instrument_token", List.of("token_id", "payment_instrument_type"),
                        List.of("uuid", "text"), List.of(string("k1"), string("PAYPAL_ORDER")), null, null, Map.of(), LSN),
                parse("{\"kind\":\"update\",\"schema\":\"public\",\"table\":\"payment_instrument_token\","
                        + "\"columnnames\":[\"token_id\",\"payment_instrument_type\"],\"columntypes\":[\"uuid\",\"text\"],"
                        + "\"columnvalues\":[\"k1\",\"PAYPAL_ORDER\"]}"));
    }

    @Test
    void a_delete_carries_only_its_old_keys_and_a_key_without_types_has_none() throws IOException {
        assertEquals(wellFormed("delete", List.of(), List.of(), List.of(), new OldKeys(List.of("transaction_id"), List.of(), List.of(string("t1")))),
                parse("{\"kind\":\"delete\",\"schema\":\"public\",\"table\":\"transaction\","
                        + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keyvalues\":[\"t1\"],\"other\":{\"a\":[1]}}}"));
    }

    @Test
    void a_truncate_names_its_table_and_carries_no_columns_and_no_old_keys() throws IOException {
        assertEquals(wellFormed("truncate", List.of(), List.of(), List.of(), null),
                parse("{\"kind\":\"truncate\",\"schema\":\"public\",\"table\":\"transaction\"}"));
    }

    @Test
    void odd_values_keep_their_type_and_exact_text() throws IOException {
        WalChange change = parse("{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
                + "\"columnnames\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\"],\"columntypes\":[\"numeric\",\"numeric\",\"boolean\",\"boolean\",\"text\",\"jsonb\",\"int[]\",\"text\"],"
                + "\"columnvalues\":[12.3400,123456789012345678901234567890,true,false,null,\"{\\\"k\\\": 1.50}\",[1, 2],\"\\ud800 lone\"]}");

        assertEquals(List.of(new WalValue(WalValue.Type.DECIMAL, "12.3400"), integer("123456789012345678901234567890"),
                WalValue.TRUE, WalValue.FALSE, WalValue.NULL, string("{\"k\": 1.50}"), new WalValue(WalValue.Type.ARRAY, "[1,2]"),
                string("\ud800 lone")), change.columnValues());
    }

    @Test
    void fields_it_does_not_know_are_kept_as_compact_json() throws IOException {
        assertEquals(new WalChange(AT, "message", null, null, List.of(), List.of(), List.of(), null, null,
                        Map.of("transactional", "true", "prefix", "\"p\"", "content", "{\"a\":[1,2.50]}"), LSN),
                parse("{\"kind\":\"message\",\"transactional\":true,\"prefix\":\"p\",\"content\":{\"a\": [1, 2.50]}}"));
    }

    @Test
    void fields_it_does_not_know_are_written_back_in_the_order_they_came() throws IOException {
        WalChange change = parse("{\"kind\":\"message\",\"zeta\":1,\"alpha\":2,\"mid\":{\"b\":1,\"a\":2},\"beta\":3}");
        assertEquals(List.of("zeta", "alpha", "mid", "beta"), List.copyOf(change.otherFields().keySet()));
        assertEquals("{\"kind\":\"message\",\"zeta\":1,\"alpha\":2,\"mid\":{\"b\":1,\"a\":2},\"beta\":3}", change.toJson());
    }

    @Nested
    class Malformed {

        /** A change of only a kind (or none) whose structure is not wal2json's: the reason, and the fields kept as they came. */
        private WalChange malformed(String kind, String reason, Map<String, String> kept) {
            return new WalChange(AT, kind, null, null, List.of(), List.of(), List.of(), null, reason, kept, LSN);
        }

        @Test
        void a_change_that_is_not_an_object_is_kept_as_its_value() throws IOException {
            assertEquals(malformed(null, "a change must be a JSON object", Map.of("value", "[\"x\",{\"y\":null}]")), parse("[\"x\", {\"y\": null}]"));
        }

        @Test
        void kind_schema_or_table_that_is_not_a_string() throws IOException {
            assertEquals(new WalChange(AT, null, null, "t", List.of(), List.of(), List.of(), null, "kind is not a string",
                    Map.of("kind", "1"), LSN), parse("{\"kind\":1,\"table\":\"t\"}"));
            assertEquals(malformed("insert", "schema is not a string", Map.of("schema", "null")), parse("{\"kind\":\"insert\",\"schema\":null}"));
            assertEquals(malformed("insert", "table is not a string", Map.of("table", "[\"t\"]")), parse("{\"kind\":\"insert\",\"table\":[\"t\"]}"));
        }

        @Test
        void column_names_or_types_that_are_not_an_array() throws IOException {
            assertEquals(malformed("insert", "columnnames is not an array", Map.of("columnnames", "\"a\"")), parse("{\"kind\":\"insert\",\"columnnames\":\"a\"}"));
            assertEquals(malformed("insert", "columntypes is not an array", Map.of("columntypes", "{}")), parse("{\"kind\":\"insert\",\"columntypes\":{}}"));
        }

        @Test
        void column_names_or_types_that_hold_other_than_strings_keep_the_array_as_it_came() throws IOException {
            assertEquals(new WalChange(AT, "insert", null, null, List.of("a", ""), List.of("int", "int"), List.of(integer("1"), integer("2")),
                    null, "columnnames holds something other than strings", Map.of("columnnames", "[\"a\",{\"b\":5}]"), LSN),
                    parse("{\"kind\":\"insert\",\"columnnames\":[\"a\",{\"b\": 5}],\"columntypes\":[\"int\",\"int\"],\"columnvalues\":[1,2]}"));
            assertEquals(new WalChange(AT, "insert", null, null, List.of("a"), List.of(""), List.of(), null,
                    "columntypes holds something other than strings", Map.of("columntypes", "[7]"), LSN),
                    parse("{\"kind\":\"insert\",\"columnnames\":[\"a\"],\"columntypes\":[7]}"));
        }

        @Test
        void column_values_that_are_not_an_array() throws IOException {
            assertEquals(malformed("insert", "columnvalues is not an array", Map.of("columnvalues", "5")), parse("{\"kind\":\"insert\",\"columnvalues\":5}"));
        }

        @Test
        void old_keys_that_are_not_an_object() throws IOException {
            assertEquals(malformed("delete", "oldkeys is not an object", Map.of("oldkeys", "[\"t1\"]")), parse("{\"kind\":\"delete\",\"oldkeys\":[\"t1\"]}"));
        }

        @Test
        void old_keys_without_their_values_or_with_a_name_that_is_not_text_are_kept_as_they_came() throws IOException {
            String missingValues = "{\"keynames\":[\"id\"],\"keytypes\":[\"uuid\"]}";
            assertEquals(malformed("delete", "oldkeys does not hold keynames, keytypes and keyvalues arrays", Map.of("oldkeys", missingValues)),
                    parse("{\"kind\":\"delete\",\"oldkeys\":" + missingValues + "}"));
            String nameNotText = "{\"keynames\":[1],\"keyvalues\":[\"\\ud800\"]}";
            assertEquals(malformed("delete", "oldkeys does not hold keynames, keytypes and keyvalues arrays", Map.of("oldkeys", nameNotText)),
                    parse("{\"kind\":\"delete\",\"oldkeys\":" + nameNotText + "}"));
        }

        @Test
        void a_truncate_with_columns_or_old_keys_even_empty_ones() throws IOException {
            String reason = "a truncate carries no columnnames, columntypes, columnvalues or oldkeys";
            assertEquals(new WalChange(AT, "truncate", null, "t", List.of("id"), List.of(), List.of(string("1")), null, reason, Map.of(), LSN),
                    parse("{\"kind\":\"truncate\",\"table\":\"t\",\"columnnames\":[\"id\"],\"columnvalues\":[\"1\"]}"));
            assertEquals(new WalChange(AT, "truncate", null, "t", List.of(), List.of(), List.of(), null, reason, Map.of(), LSN),
                    parse("{\"kind\":\"truncate\",\"table\":\"t\",\"columntypes\":[]}"));
            assertEquals(new WalChange(AT, "truncate", null, "t", List.of(), List.of(), List.of(),
                    new OldKeys(List.of("id"), List.of(), List.of(string("1"))), reason, Map.of(), LSN),
                    parse("{\"kind\":\"truncate\",\"table\":\"t\",\"oldkeys\":{\"keynames\":[\"id\"],\"keyvalues\":[\"1\"]}}"));
        }

        @Test
        void the_first_problem_is_the_reason_and_every_misshapen_field_is_kept() throws IOException {
            assertEquals(malformed(null, "columnvalues is not an array", Map.of("columnvalues", "{}", "kind", "7")), parse("{\"columnvalues\":{},\"kind\":7}"));
        }
    }
}
