package io.walmetrics.wal;

import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.WalFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The streaming reader on in-memory input: shapes, positions, values, hashes and faults. */
class WalReaderTest {

    // ---- helpers

    /** One batch as the reader gave it. */
    private record Batch(int batchNo, int records, List<WalChange> changes, String hash) {

        /** The first column value of each change: the tests write the record's id there. */
        List<String> ids() {
            return changes.stream().map(change -> change.columnValues().get(0).text()).toList();
        }
    }

    private static List<Batch> read(String json) throws IOException {
        return read(json, null);
    }

    private static List<Batch> read(String json, Integer batchSize) throws IOException {
        try (WalReader reader = new WalReader(new ByteArrayInputStream(json.getBytes(UTF_8)), "test.json", batchSize)) {
            return readAll(reader);
        }
    }

    private static List<Batch> readAll(WalReader reader) throws IOException {
        List<Batch> batches = new ArrayList<>();
        while (reader.nextBatch()) {
            List<WalChange> changes = new ArrayList<>();
            WalChange change;
            while ((change = reader.nextChange()) != null) {
                changes.add(change);
            }
            batches.add(new Batch(reader.batchNo(), reader.recordCount(), changes, reader.batchHash()));
        }
        return batches;
    }

    /** The only change of the only batch of the input. */
    private static WalChange onlyChange(String json) throws IOException {
        List<Batch> batches = read(json);
        assertEquals(1, batches.size(), "batches");
        assertEquals(1, batches.get(0).changes().size(), "changes");
        return batches.get(0).changes().get(0);
    }

    /** A record of one insert whose first column value is {@code id}. */
    private static String record(String id) {
        return "{\"change\":[" + insert(id) + "]}";
    }

    private static String insert(String id) {
        return "{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
                + "\"columnnames\":[\"transaction_id\",\"amount\"],\"columntypes\":[\"uuid\",\"integer\"],"
                + "\"columnvalues\":[\"" + id + "\",100]}";
    }

    private static List<List<String>> idsByBatch(List<Batch> batches) {
        return batches.stream().map(Batch::ids).toList();
    }

    private static WalFormatException readExpectingFault(String json) {
        return assertThrows(WalFormatException.class, () -> read(json));
    }

    // ---- shape 1: an array of batches

    @Nested
    class An_array_of_arrays {

        @Test
        void makes_each_inner_array_a_batch() throws IOException {
            List<Batch> batches = read("[[" + record("a") + "," + record("b") + "],[" + record("c") + "]]");

            assertEquals(List.of(List.of("a", "b"), List.of("c")), idsByBatch(batches));
            assertEquals(List.of(1, 2), batches.stream().map(Batch::batchNo).toList());
            assertEquals(List.of(2, 1), batches.stream().map(Batch::records).toList());
        }

        @Test
        void makes_an_empty_inner_array_an_empty_batch() throws IOException {
            List<Batch> batches = read("[[], [" + record("a") + "], []]");

            assertEquals(List.of(List.of(), List.of("a"), List.of()), idsByBatch(batches));
            assertEquals(List.of(0, 1, 0), batches.stream().map(Batch::records).toList());
        }

        @Test
        void ignores_batch_size() throws IOException {
            List<Batch> batches = read("[[" + record("a") + "," + record("b") + "," + record("c") + "]]", 2);

            assertEquals(List.of(List.of("a", "b", "c")), idsByBatch(batches));
        }

        @Test
        void as_written_by_the_test_fixture_gives_the_fixture_batches() throws IOException {
            WalFile file = new WalFile()
                    .batch().record(transaction("t1")).record(transaction("t2"), transaction("t3"))
                    .batch().record(transaction("t4"));

            List<Batch> batches = read(file.toJson());

            assertEquals(List.of(List.of("t1", "t2", "t3"), List.of("t4")), idsByBatch(batches));
        }
    }

    @Test
    void an_empty_top_level_array_holds_no_batch() throws IOException {
        assertEquals(List.of(), read("[]"));
        assertEquals(List.of(), read("  [ ]\n"));
    }

    // ---- shape 2: an array of records

    @Nested
    class An_array_of_records {

        @Test
        void is_one_batch() throws IOException {
            List<Batch> batches = read("[" + record("a") + "," + record("b") + "," + record("c") + "]");

            assertEquals(List.of(List.of("a", "b", "c")), idsByBatch(batches));
            assertEquals(3, batches.get(0).records());
        }

        @Test
        void with_a_batch_size_makes_a_batch_of_that_many_records() throws IOException {
            List<Batch> batches = read("[" + record("a") + "," + record("b") + "," + record("c") + "]", 2);

            assertEquals(List.of(List.of("a", "b"), List.of("c")), idsByBatch(batches));
            assertEquals(List.of(1, 2), batches.stream().map(Batch::batchNo).toList());
        }

        @Test
        void with_a_batch_size_that_divides_it_leaves_no_empty_batch_at_the_end() throws IOException {
            List<Batch> batches = read("[" + record("a") + "," + record("b") + "," + record("c") + "," + record("d") + "]", 2);

            assertEquals(List.of(List.of("a", "b"), List.of("c", "d")), idsByBatch(batches));
        }
    }

    // ---- shape 3: a stream of values

    @Nested
    class A_stream_of_records {

        @Test
        void newline_delimited_makes_one_record_a_batch() throws IOException {
            List<Batch> batches = read(record("a") + "\n" + record("b") + "\r\n\n" + record("c") + "\n");

            assertEquals(List.of(List.of("a"), List.of("b"), List.of("c")), idsByBatch(batches));
            assertEquals(List.of(1, 2, 3), batches.stream().map(Batch::batchNo).toList());
        }

        @Test
        void concatenated_without_separator_makes_one_record_a_batch() throws IOException {
            List<Batch> batches = read(record("a") + record("b") + record("c"));

            assertEquals(List.of(List.of("a"), List.of("b"), List.of("c")), idsByBatch(batches));
        }

        @Test
        void with_a_batch_size_groups_that_many_records() throws IOException {
            List<Batch> batches = read(record("a") + "\n" + record("b") + "\n" + record("c") + "\n"
                    + record("d") + "\n" + record("e") + "\n", 2);

            assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")), idsByBatch(batches));
            assertEquals(List.of(2, 2, 1), batches.stream().map(Batch::records).toList());
        }

        @Test
        void makes_a_top_level_array_among_them_a_batch_of_its_own() throws IOException {
            String stream = record("a") + "\n[" + record("b") + "," + record("c") + "]\n" + record("d") + "\n";

            assertEquals(List.of(List.of("a"), List.of("b", "c"), List.of("d")), idsByBatch(read(stream)));
        }

        @Test
        void with_a_batch_size_ends_the_group_early_at_a_top_level_array() throws IOException {
            String stream = record("a") + "\n[" + record("b") + "]\n" + record("c") + "\n" + record("d") + "\n";

            assertEquals(List.of(List.of("a"), List.of("b"), List.of("c", "d")), idsByBatch(read(stream, 2)));
        }

        @Test
        void as_the_test_fixture_writes_it_gives_one_record_a_batch() throws IOException {
            WalFile file = new WalFile().record(transaction("t1")).record(transaction("t2"), event("e1", "t2", "f1"));

            List<Batch> batches = read(file.toStream());

            assertEquals(List.of(List.of("t1"), List.of("t2", "e1")), idsByBatch(batches));
        }
    }

    // ---- positions and record structure

    @Test
    void positions_count_batches_records_and_changes_from_one() throws IOException {
        String json = "[[{\"change\":[" + insert("a") + "," + insert("b") + "]},"
                + "{\"change\":[]},"
                + "{\"change\":[" + insert("c") + "," + insert("d") + "," + insert("e") + "]}],"
                + "[" + record("f") + "]]";

        List<Batch> batches = read(json);

        List<ChangePosition> positions = batches.stream().flatMap(batch -> batch.changes().stream())
                .map(WalChange::position).toList();
        assertEquals(List.of(
                new ChangePosition(1, 1, 1), new ChangePosition(1, 1, 2),
                new ChangePosition(1, 3, 1), new ChangePosition(1, 3, 2), new ChangePosition(1, 3, 3),
                new ChangePosition(2, 1, 1)), positions);
        assertEquals(List.of(List.of("a", "b", "c", "d", "e"), List.of("f")), idsByBatch(batches));
        assertEquals(3, batches.get(0).records(), "the empty record counts as a record");
    }

    @Test
    void positions_in_a_stream_with_batch_size_restart_the_record_number_in_each_batch() throws IOException {
        List<Batch> batches = read(record("a") + record("b") + record("c"), 2);

        assertEquals(new ChangePosition(1, 2, 1), batches.get(0).changes().get(1).position());
        assertEquals(new ChangePosition(2, 1, 1), batches.get(1).changes().get(0).position());
    }

    @Test
    void extra_top_level_fields_are_tolerated_in_any_order_with_change_last() throws IOException {
        String json = "[{\"xid\":1234,\"timestamp\":\"2021-06-03 07:47:50.013974+00\",\"nextlsn\":\"0/16D3E20\","
                + "\"origin\":{\"nested\":[1,{\"change\":[\"not this one\"]}]},\"change\":[" + insert("a") + "]},"
                + "{\"change\":[" + insert("b") + "],\"nextlsn\":\"0/16D3F00\",\"xid\":1235}]";

        List<Batch> batches = read(json);

        assertEquals(List.of(List.of("a", "b")), idsByBatch(batches));
    }

    @Test
    void the_fields_of_a_change_may_come_in_any_order() throws IOException {
        WalChange change = onlyChange("{\"change\":[{\"columnvalues\":[\"t1\",7],\"oldkeys\":{\"keyvalues\":[\"t0\"],"
                + "\"keytypes\":[\"uuid\"],\"keynames\":[\"transaction_id\"]},\"columntypes\":[\"uuid\",\"integer\"],"
                + "\"table\":\"transaction\",\"columnnames\":[\"transaction_id\",\"amount\"],\"schema\":\"public\","
                + "\"kind\":\"update\"}]}");

        assertAll(
                () -> assertNull(change.malformed()),
                () -> assertEquals("update", change.kind()),
                () -> assertEquals("public", change.schema()),
                () -> assertEquals("transaction", change.table()),
                () -> assertEquals(List.of("transaction_id", "amount"), change.columnNames()),
                () -> assertEquals(List.of("uuid", "integer"), change.columnTypes()),
                () -> assertEquals(List.of(new WalValue(WalValue.Type.STRING, "t1"), new WalValue(WalValue.Type.INTEGER, "7")),
                        change.columnValues()),
                () -> assertEquals(new WalValue(WalValue.Type.STRING, "t0"), change.oldKeys().valueOf("transaction_id")),
                () -> assertEquals(Map.of(), change.otherFields()));
    }

    @Test
    void a_delete_has_only_its_old_keys() throws IOException {
        WalChange change = onlyChange("{\"change\":[{\"kind\":\"delete\",\"schema\":\"public\",\"table\":\"transaction\","
                + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"],\"keyvalues\":[\"t1\"]}}]}");

        assertNull(change.malformed());
        assertEquals(List.of(), change.columnNames());
        assertEquals(List.of("transaction_id"), change.oldKeys().keyNames());
        assertEquals("t1", change.oldKeys().valueOf("transaction_id").text());
    }

    // ---- values

    @Nested
    class Values {

        private List<WalValue> valuesOf(String jsonValues) throws IOException {
            return onlyChange("{\"change\":[{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"t\","
                    + "\"columnnames\":[],\"columntypes\":[],\"columnvalues\":[" + jsonValues + "]}]}").columnValues();
        }

        @Test
        void numbers_keep_their_exact_text() throws IOException {
            List<WalValue> values = valuesOf(
                    "12345678901234567890.123456789, 12.3400, 1e5, -0.0, 123456789012345678901234567890, 0, -7");

            assertEquals(List.of("12345678901234567890.123456789", "12.3400", "1e5", "-0.0",
                    "123456789012345678901234567890", "0", "-7"), values.stream().map(WalValue::text).toList());
            assertEquals(List.of(WalValue.Type.DECIMAL, WalValue.Type.DECIMAL, WalValue.Type.DECIMAL, WalValue.Type.DECIMAL,
                    WalValue.Type.INTEGER, WalValue.Type.INTEGER, WalValue.Type.INTEGER),
                    values.stream().map(WalValue::type).toList());
        }

        @Test
        void null_and_booleans_are_their_own_types() throws IOException {
            assertEquals(List.of(WalValue.NULL, WalValue.TRUE, WalValue.FALSE), valuesOf("null, true, false"));
        }

        @Test
        void strings_with_unicode_quotes_backslashes_and_newlines_round_trip() throws IOException {
            List<String> texts = List.of(
                    "café € 😀 中文",
                    "she said \"hi\"",
                    "C:\\temp\\new",
                    "line one\nline two\r\n\ttabbed",
                    "nul-free control \u0001 and escaped \u00e9");
            String json = String.join(",", texts.stream().map(Json::quote).toList())
                    + ",\"\\u00e9\\u20ac\\ud83d\\ude00\\/\"";

            List<WalValue> values = valuesOf(json);

            for (int i = 0; i < texts.size(); i++) {
                assertEquals(new WalValue(WalValue.Type.STRING, texts.get(i)), values.get(i));
                assertEquals(texts.get(i), onlyStringIn(values.get(i).toJson()), "toJson then parse gives the text back");
            }
            assertEquals("é€😀/", values.get(texts.size()).text(), "JSON escapes are decoded");
        }

        @Test
        void a_jsonb_value_stays_the_json_text_it_arrived_as() throws IOException {
            String jsonb = "{\"decline_type\": \"SOFT\", \"amount\": 12.50, \"list\": [1, null]}";

            List<WalValue> values = valuesOf(Json.quote(jsonb));

            assertEquals(new WalValue(WalValue.Type.STRING, jsonb), values.get(0));
        }

        @Test
        void a_nested_array_or_object_value_is_kept_as_compact_json() throws IOException {
            List<WalValue> values = valuesOf("[1, \"a\"], {\"k\": [12.3400, 12345678901234567890.123456789]}");

            assertEquals(new WalValue(WalValue.Type.ARRAY, "[1,\"a\"]"), values.get(0));
            assertEquals(new WalValue(WalValue.Type.OBJECT, "{\"k\":[12.3400,12345678901234567890.123456789]}"), values.get(1),
                    "numbers inside keep their exact text too");
        }

        private String onlyStringIn(String json) throws IOException {
            try (var parser = Json.FACTORY.createParser(json)) {
                parser.nextToken();
                String text = parser.getText();
                assertNull(parser.nextToken(), "one value");
                return text;
            }
        }
    }

    // ---- batch hash

    @Nested
    class The_batch_hash {

        private final String first = "{\"xid\":1,\"change\":[" + insert("a") + "]}";
        private final String second = "{\"change\":[" + insert("b") + ",{\"kind\":\"delete\",\"schema\":\"public\","
                + "\"table\":\"transaction\",\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"],"
                + "\"keyvalues\":[\"a\"]}}]}";

        @Test
        void is_the_same_for_the_same_records_in_other_whitespace() throws IOException {
            String compact = "[[" + first + "," + second + "]]";
            String spaced = "[\n  [\n    " + first.replace(",", " ,\n\t ").replace(":", " : ") + " ,\r\n    "
                    + second.replace("[", "[ ").replace("{", "{\n") + "\n  ]\n]\n";

            assertEquals(onlyHash(compact, null), onlyHash(spaced, null));
        }

        @Test
        void is_the_same_for_the_same_records_in_every_shape() throws IOException {
            String arrayOfBatches = onlyHash("[[" + first + "," + second + "]]", null);

            assertAll(
                    () -> assertEquals(arrayOfBatches, onlyHash("[" + first + "," + second + "]", null), "array of records"),
                    () -> assertEquals(arrayOfBatches, onlyHash(first + "\n" + second + "\n", 2), "stream of records"),
                    () -> assertEquals(arrayOfBatches, onlyHash(first + second, 2), "concatenated records"),
                    () -> assertEquals(arrayOfBatches, onlyHash("[" + first + "," + second + "]\n", null),
                            "array value in a stream"));
        }

        @Test
        void differs_when_one_value_differs() throws IOException {
            String base = onlyHash("[" + first + "," + second + "]", null);

            assertAll(
                    () -> assertNotEquals(base, onlyHash("[" + first.replace("100", "101") + "," + second + "]", null),
                            "another amount"),
                    () -> assertNotEquals(base, onlyHash("[" + first.replace("100", "100.0") + "," + second + "]", null),
                            "the same amount written differently"),
                    () -> assertNotEquals(base, onlyHash("[" + first.replace("100", "\"100\"") + "," + second + "]", null),
                            "a string instead of a number"),
                    () -> assertNotEquals(base, onlyHash("[" + first.replace("\"xid\":1", "\"xid\":2") + "," + second + "]",
                            null), "another xid"),
                    () -> assertNotEquals(base, onlyHash("[" + second + "," + first + "]", null), "the records swapped"),
                    () -> assertNotEquals(base, onlyHash("[" + first + "]", null), "a record fewer"));
        }

        @Test
        void tells_batches_of_the_same_file_apart() throws IOException {
            List<Batch> batches = read("[[" + first + "],[" + second + "],[" + first + "]]");

            assertNotEquals(batches.get(0).hash(), batches.get(1).hash());
            assertEquals(batches.get(0).hash(), batches.get(2).hash(), "the hash depends on content, not position");
        }

        @Test
        void is_not_known_before_the_batch_is_read_to_its_end() throws IOException {
            try (WalReader reader = reader("[" + first + "," + second + "]", null)) {
                assertTrue(reader.nextBatch());
                assertNotNull(reader.nextChange());
                assertThrows(IllegalStateException.class, reader::batchHash);
            }
        }

        /**
         * The ledger stores these hashes (batch_ledger.content_hash, stream_hash): a reader that hashed
         * differently would take every batch applied before for a rewritten file. The values were taken
         * from the reader as released; they must never change.
         */
        @Test
        void is_the_value_the_ledgers_hold_for_a_known_input() throws IOException {
            String json = "[[{\"xid\":1,\"nextlsn\":\"0/16D3E20\",\"change\":[{\"kind\":\"insert\",\"schema\":\"public\","
                    + "\"table\":\"transaction\",\"columnnames\":[\"transaction_id\",\"amount\",\"note\"],"
                    + "\"columntypes\":[\"uuid\",\"integer\",\"text\"],\"columnvalues\":[\"a\",100,\"caf\u00e9 \\ud83d\\ude00\"]}]},"
                    + "{\"change\":[{\"kind\":\"delete\",\"schema\":\"public\",\"table\":\"transaction\","
                    + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"],\"keyvalues\":[\"a\"]}}]}],"
                    + "[{\"change\":[]}]]";

            assertEquals(List.of(
                    "0c45aa226a7ed32bc6a2aba49469461f56ce89e00acdf4bccb67e6772c51e124 a194faf34b170c552c2dfd562792a7e08f710fefaea55403f0528c41af9fff09",
                    "a37fccd4cc7e490abc6775a7b01096562d48425963dbc0014568ceb4a35f8a42 d0c72f4485f8b2d8c1b6ebe458a7719e1e722ce42f492eec65991ad232064c2b"),
                    batchAndStreamHashes(new ByteArrayInputStream(json.getBytes(UTF_8))));
        }

        @Test
        void is_the_value_the_ledgers_hold_for_a_value_longer_than_the_hash_buffer() throws IOException {
            String json = "{\"change\":[{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"t\",\"columnnames\":[\"id\",\"doc\"],"
                    + "\"columntypes\":[\"text\",\"jsonb\"],\"columnvalues\":[\"b\",\"" + "x".repeat(40_000) + "\"]}]}";

            assertEquals(List.of(
                    "94cd0c84264e872c3e0d00bb59c8b6e0311aa0daabd4a246eee815c0175e062f a3e762d87a50302a9427c42d0d5d9f2fd5f852f9f55ff202d5bde1a1083603c9"),
                    batchAndStreamHashes(new ByteArrayInputStream(json.getBytes(UTF_8))));
        }

        @Test
        void is_the_value_the_ledgers_hold_for_the_sample_file() throws IOException {
            List<String> hashes = batchAndStreamHashes(Files.newInputStream(Path.of("data/wal.json")));

            assertEquals(23, hashes.size());
            assertEquals("2ab2569ef992a9693d38a811421eb97f6282fb6afea5ad6ede0805e7a3a419fa ecc5ac7d5515805be8ebe89a25d98560ee66009bbc0f28fd83112c29b0cf7e71",
                    hashes.get(0));
            assertEquals("5227e356c0ca5b460fefe11683502e9e5f1ff9299a66da198dcff3996fa55ec7 dd9ac955b6af092f8d1fa59890c31ae9f9135bffec34abc13ed6e16e06cf236b",
                    hashes.get(22));
        }

        /** "batch-hash stream-hash" of each batch of the input. */
        private List<String> batchAndStreamHashes(InputStream input) throws IOException {
            List<String> hashes = new ArrayList<>();
            try (WalReader reader = new WalReader(input, "pinned", null)) {
                while (reader.nextBatch()) {
                    while (reader.nextChange() != null) {
                        // only the hashes matter here
                    }
                    hashes.add(reader.batchHash() + " " + reader.streamHash());
                }
            }
            return hashes;
        }

        private String onlyHash(String json, Integer batchSize) throws IOException {
            List<Batch> batches = read(json, batchSize);
            assertEquals(1, batches.size(), "batches of " + json);
            return batches.get(0).hash();
        }
    }

    @Test
    void next_batch_skips_the_rest_of_a_batch_not_read_to_its_end() throws IOException {
        try (WalReader reader = reader("[[" + record("a") + "," + record("b") + "],[" + record("c") + "]]", null)) {
            assertTrue(reader.nextBatch());
            assertEquals("a", reader.nextChange().columnValues().get(0).text());

            assertTrue(reader.nextBatch());
            WalChange change = reader.nextChange();
            assertEquals("c", change.columnValues().get(0).text());
            assertEquals(new ChangePosition(2, 1, 1), change.position());
            assertNull(reader.nextChange());
            assertFalse(reader.nextBatch());
        }
    }

    @Test
    void a_batch_size_below_one_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> reader("[]", 0));
    }

    // ---- malformed input

    @Nested
    class Malformed_input {

        @Test
        void a_truncated_file_fails_with_line_column_and_the_batch_it_broke() {
            // 29 characters: the end of input is at line 1, column 30, inside batch 2
            WalFormatException fault = readExpectingFault("[[{\"change\":[]}],[{\"change\":[");

            assertAll(
                    () -> assertEquals("test.json", fault.input()),
                    () -> assertEquals(2, fault.batchNo()),
                    () -> assertEquals(1, fault.line()),
                    () -> assertEquals(30, fault.column()),
                    () -> assertTrue(fault.getMessage().startsWith("test.json: line 1, column 30 (batch 2): "),
                            fault.getMessage()));
        }

        @Test
        void a_truncated_stream_fails_in_the_batch_of_the_broken_record() {
            WalFormatException fault = readExpectingFault(record("a") + "\n" + record("b") + "\n{\"change\":[{\"kind\":\"ins");

            assertEquals(3, fault.batchNo());
            assertEquals(3, fault.line());
        }

        @Test
        void a_syntax_error_fails_with_the_line_and_column_of_the_offending_character() {
            // line 3: the second record lacks its comma; the '{' at column 17 is the fault
            String json = "[\n [{\"change\":[]}],\n [{\"change\":[]} {\"change\":[]}]\n]\n";

            WalFormatException fault = readExpectingFault(json);

            assertAll(
                    () -> assertEquals(2, fault.batchNo()),
                    () -> assertEquals(3, fault.line()),
                    () -> assertEquals(17, fault.column()),
                    () -> assertTrue(fault.getMessage().startsWith("test.json: line 3, column 17 (batch 2): "),
                            fault.getMessage()));
        }

        @Test
        void the_batches_before_a_fault_are_read_whole() throws IOException {
            List<String> readBeforeFault = new ArrayList<>();
            try (WalReader reader = reader("[[" + record("a") + "],[" + record("b") + "],[" + record("c") + ",{\"chan", null)) {
                assertThrows(WalFormatException.class, () -> {
                    while (reader.nextBatch()) {
                        WalChange change;
                        while ((change = reader.nextChange()) != null) {
                            readBeforeFault.add(change.columnValues().get(0).text());
                        }
                        reader.batchHash();
                    }
                });
            }
            assertEquals(List.of("a", "b", "c"), readBeforeFault);
        }

        @Test
        void a_record_without_a_change_array_is_not_wal() {
            WalFormatException fault = readExpectingFault("[[" + record("a") + "],[" + record("b") + ",{\"xid\":7}]]");

            assertEquals(2, fault.batchNo());
            assertTrue(fault.reason().contains("\"change\""), fault.reason());
        }

        @Test
        void a_change_field_that_is_not_an_array_is_not_wal() {
            WalFormatException fault = readExpectingFault("{\"change\":{\"kind\":\"insert\"}}");

            assertEquals(1, fault.batchNo());
            assertEquals(1, fault.line());
            assertEquals(11, fault.column(), "the column where the object stands");
        }

        @Test
        void a_value_that_is_not_a_record_or_array_is_not_wal() {
            assertAll(
                    () -> assertEquals(1, readExpectingFault("42").column()),
                    () -> readExpectingFault("[[" + record("a") + "], 42]"),
                    () -> readExpectingFault("[" + record("a") + ", \"x\"]"),
                    () -> readExpectingFault("[[\"x\"]]"));
        }

        @Test
        void a_change_that_is_not_an_object_is_returned_as_malformed_and_the_rest_follows() throws IOException {
            List<Batch> batches = read("{\"change\":[42, " + insert("a") + ", [\"x\"], null]}");

            List<WalChange> changes = batches.get(0).changes();
            assertEquals(4, changes.size());
            WalChange number = changes.get(0);
            assertEquals("a change must be a JSON object", number.malformed());
            assertEquals(new ChangePosition(1, 1, 1), number.position());
            assertEquals(Map.of("value", "42"), number.otherFields());
            assertNull(changes.get(1).malformed());
            assertEquals(new ChangePosition(1, 1, 2), changes.get(1).position());
            assertEquals(Map.of("value", "[\"x\"]"), changes.get(2).otherFields());
            assertEquals("a change must be a JSON object", changes.get(3).malformed());
        }

        @Test
        void a_change_with_fields_of_the_wrong_shape_is_malformed() throws IOException {
            assertAll(
                    () -> assertEquals("kind is not a string", onlyChange("{\"change\":[{\"kind\":1,\"table\":\"t\"}]}").malformed()),
                    () -> assertEquals("columnnames is not an array", onlyChange("{\"change\":[{\"kind\":\"insert\",\"columnnames\":\"a\"}]}").malformed()),
                    () -> assertEquals("columnvalues is not an array", onlyChange("{\"change\":[{\"kind\":\"insert\",\"columnvalues\":{}}]}").malformed()),
                    () -> assertEquals("oldkeys is not an object", onlyChange("{\"change\":[{\"kind\":\"delete\",\"oldkeys\":[]}]}").malformed()),
                    () -> assertEquals("oldkeys does not hold keynames, keytypes and keyvalues arrays", onlyChange("{\"change\":[{\"kind\":\"delete\",\"oldkeys\":{\"keynames\":[\"id\"]}}]}").malformed()));
        }
    }

    // ---- writing a change back

    @Nested
    class A_change_written_back_with_toJson {

        @Test
        void is_the_compact_text_it_was_read_from() throws IOException {
            String text = "{\"kind\":\"update\",\"schema\":\"public\",\"table\":\"transaction\","
                    + "\"columnnames\":[\"transaction_id\",\"amount\",\"fee\",\"meta\",\"ok\",\"note\"],"
                    + "\"columntypes\":[\"uuid\",\"integer\",\"numeric(20,4)\",\"jsonb\",\"boolean\",\"text\"],"
                    + "\"columnvalues\":[\"t1\",58179,12.3400,\"{\\\"a\\\": [1, 2.50]}\",true,null],"
                    + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"],\"keyvalues\":[\"t0\"]}}";

            WalChange change = onlyChange("{\"change\":[" + text + "]}");

            assertEquals(text, change.toJson());
        }

        @Test
        void reads_back_as_the_same_change() throws IOException {
            String text = "{\"table\":\"transaction\",\"kind\":\"insert\",\"schema\":\"public\",\"extra\":{\"b\":[1,2.0]},"
                    + "\"columnnames\":[\"transaction_id\",\"note\"],\"columntypes\":[\"uuid\",\"text\"],"
                    + "\"columnvalues\":[\"t1\",\"quote \\\" backslash \\\\ newline \\n é 😀\"]}";
            WalChange change = onlyChange("{\"change\":[" + text + "]}");

            WalChange reread = onlyChange("{\"change\":[" + change.toJson() + "]}");

            assertEquals(change, reread);
            assertEquals("{\"b\":[1,2.0]}", reread.otherFields().get("extra"));
        }

        @Test
        void keeps_a_kind_that_is_not_text() throws IOException {
            WalChange change = onlyChange("{\"change\":[{\"kind\":7,\"table\":\"transaction\"}]}");

            assertEquals("{\"table\":\"transaction\",\"kind\":7}", change.toJson());
        }

        @Test
        void keeps_oldkeys_that_lack_their_values() throws IOException {
            WalChange change = onlyChange("{\"change\":[{\"kind\":\"delete\",\"schema\":\"public\","
                    + "\"table\":\"transaction\",\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"]}}]}");

            assertEquals("oldkeys does not hold keynames, keytypes and keyvalues arrays", change.malformed());
            assertEquals("{\"kind\":\"delete\",\"schema\":\"public\",\"table\":\"transaction\","
                    + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"]}}", change.toJson(),
                    "rejected_changes.raw_json should hold the oldkeys the change had");
        }

        @Test
        void keeps_a_column_name_that_is_not_text() throws IOException {
            WalChange change = onlyChange("{\"change\":[{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
                    + "\"columnnames\":[\"transaction_id\",5],\"columntypes\":[\"uuid\",\"integer\"],\"columnvalues\":[\"t1\",1]}]}");

            assertEquals("columnnames holds something other than strings", change.malformed());
            // the names that could not be read as names are kept as they came, after the fields that could
            assertEquals("{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
                    + "\"columntypes\":[\"uuid\",\"integer\"],\"columnvalues\":[\"t1\",1],\"columnnames\":[\"transaction_id\",5]}",
                    change.toJson(), "rejected_changes.raw_json should hold the column names the change had");
        }

        @Test
        void keeps_the_exact_numbers_of_a_field_it_does_not_know() throws IOException {
            WalChange change = onlyChange("{\"change\":[{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"t\","
                    + "\"extra\":{\"fee\":12.3400,\"big\":12345678901234567890.123456789}}]}");

            assertEquals("{\"fee\":12.3400,\"big\":12345678901234567890.123456789}", change.otherFields().get("extra"));
        }
    }

    // ---- streaming

    @Test
    void reads_a_lazily_generated_stream_of_200000_records_as_it_arrives() throws IOException {
        int total = 200_000;
        int batchSize = 1_000;
        GeneratedRecords input = new GeneratedRecords(total);

        long changes = 0;
        int batches = 0;
        WalChange last = null;
        int producedWhenFirstBatchWasRead = -1;
        try (WalReader reader = new WalReader(input, "<generated>", batchSize)) {
            while (reader.nextBatch()) {
                batches++;
                WalChange change;
                while ((change = reader.nextChange()) != null) {
                    changes++;
                    last = change;
                }
                assertEquals(64, reader.batchHash().length());
                if (batches == 1) {
                    producedWhenFirstBatchWasRead = input.produced();
                }
            }
        }

        assertEquals(total / batchSize, batches);
        assertEquals(total, changes);
        assertEquals(new ChangePosition(total / batchSize, batchSize, 1), last.position());
        assertEquals("t" + total, last.columnValues().get(0).text());
        assertEquals(String.valueOf(total), last.columnValues().get(1).text());
        assertTrue(producedWhenFirstBatchWasRead < 2 * batchSize,
                "the first batch came after " + producedWhenFirstBatchWasRead + " records were produced, not after all of them");
    }

    /** Records one per line, made only when the reader asks for more bytes. */
    private static final class GeneratedRecords extends InputStream {

        private final int total;
        private int produced;
        private byte[] current = new byte[0];
        private int position;

        GeneratedRecords(int total) {
            this.total = total;
        }

        int produced() {
            return produced;
        }

        @Override
        public int read() {
            if (position == current.length && !makeNextRecord()) {
                return -1;
            }
            return current[position++] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (position == current.length && !makeNextRecord()) {
                return -1;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            return n;
        }

        private boolean makeNextRecord() {
            if (produced == total) {
                return false;
            }
            produced++;
            current = ("{\"xid\":" + produced + ",\"change\":[{\"kind\":\"insert\",\"schema\":\"public\","
                    + "\"table\":\"transaction\",\"columnnames\":[\"transaction_id\",\"amount\"],"
                    + "\"columntypes\":[\"uuid\",\"integer\"],\"columnvalues\":[\"t" + produced + "\"," + produced + "]}]}\n")
                    .getBytes(UTF_8);
            position = 0;
            return true;
        }
    }

    private static WalReader reader(String json, Integer batchSize) throws IOException {
        return new WalReader(new ByteArrayInputStream(json.getBytes(UTF_8)), "test.json", batchSize);
    }
}
