package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.testing.TestDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TRUNCATE on a real PostgreSQL with wal2json (docs/reference.md#records): format-version 1 writes a
 * transaction that truncates as a record without the truncate, format-version 2 writes it as an
 * action of its own. The test reads the same transactions both ways, puts each truncate of format 2
 * into its format-1 record at its place (the shape {@code follow} hands the loader), loads the result,
 * and the loader's metrics and current tables must equal PostgreSQL's join and tables.
 */
@Tag("postgres")
class TruncateCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHANGE_START = "{\"kind\":\"";

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void truncates_captured_in_format_version_2_and_put_in_place_load_to_what_postgresql_joins(@TempDir Path dir)
            throws Exception {
        SourceSchema schema = SourceSchema.published();
        try (ScratchDatabase database = ScratchDatabase.create();
             Connection reader = database.connect()) {
            schema.create(reader);
            try (Wal2jsonSlot slot = Wal2jsonSlot.create(database);
                 Connection writer = database.connect()) {
                writer.setAutoCommit(false);
                execute(writer,
                        "insert into transaction (transaction_id) values ('00000000-0000-0000-0000-0000000000a1'), ('00000000-0000-0000-0000-0000000000a2')",
                        "insert into payment_instrument_token_data (token_id) values ('k1'), ('k2')",
                        "insert into transaction_request (transaction_request_id, flow_id, token_id) values"
                                + " ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000f1', 'k1'),"
                                + " ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000000f2', 'k2')",
                        "insert into event_v2_data (event_id, flow_id, transaction_id) values"
                                + " ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a1'),"
                                + " ('00000000-0000-0000-0000-0000000000e2', '00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000a2')");
                execute(writer, "truncate payment_instrument_token_data");
                execute(writer, "insert into payment_instrument_token_data (token_id) values ('k1')");
                // a truncate between other changes of its transaction, and one of a table no metric reads
                execute(writer,
                        "insert into payment_instrument_token_data (token_id) values ('k2')",
                        "truncate transaction",
                        "insert into transaction (transaction_id) values ('00000000-0000-0000-0000-0000000000a2')");
                execute(writer, "insert into " + SourceSchema.OTHER_TABLE + " (note) values ('kept')", "truncate " + SourceSchema.OTHER_TABLE);

                List<String> actions = slot.peekFormatTwo();
                List<String> records = slot.takeWithXids();
                assertEquals(List.of("[]", "[insert, insert]", "[insert]"), changeKindsOfTruncatingRecords(records, actions),
                        "format-version 1 leaves the truncates out: " + records);

                List<String> withTruncates = putTruncatesInPlace(records, actions);
                assertEquals(List.of("[truncate]", "[insert, truncate, insert]", "[insert, truncate]"),
                        changeKindsOfTruncatingRecords(withTruncates, actions));
                Path wal = Files.write(dir.resolve("with-truncates.jsonl"), withTruncates);
                TestDb sqlite = TestDb.in(dir.resolve("sqlite"));

                LoadReport report = sqlite.load(wal, new LoadOptions(null, false).withGroupBatches(Integer.MAX_VALUE));

                assertEquals(List.of(13L, 2L, 0L), List.of(report.changesLanded(), report.changesIgnored(), report.changesRejected()));
                assertEquals(List.of(), EndToEndRun.differences(reader, schema, sqlite.jdbi()), "the loader and PostgreSQL differ");
                assertEquals(List.of(Map.of("id", "00000000-0000-0000-0000-0000000000e2")), sqlite.rows("select id from metrics"));
            }
        }
    }

    private static void execute(Connection writer, String... statements) throws SQLException {
        try (Statement statement = writer.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
        writer.commit();
    }

    /** Per transaction (by xid) the format-2 truncates, each with its place among the transaction's actions. */
    private record Truncate(int place, String schema, String table) {
    }

    private static Map<Long, List<Truncate>> truncatesByXid(List<String> actions) throws IOException {
        Map<Long, List<Truncate>> truncates = new HashMap<>();
        long xid = -1;
        int place = 0;
        for (String line : actions) {
            JsonNode action = JSON.readTree(line);
            switch (action.get("action").asText()) {
                case "B" -> {
                    xid = action.get("xid").asLong();
                    place = 0;
                }
                case "T" -> truncates.computeIfAbsent(xid, x -> new ArrayList<>())
                        .add(new Truncate(place++, action.get("schema").asText(), action.get("table").asText()));
                case "C" -> xid = -1;
                default -> place++;
            }
        }
        return truncates;
    }

    /**
     * Each format-1 record with the truncates of its transaction put into its change array at their
     * places. A change starts with {@code {"kind":"} in wal2json's compact output, and nowhere else:
     * inside a string the quotes are escaped.
     */
    private static List<String> putTruncatesInPlace(List<String> records, List<String> actions) throws IOException {
        Map<Long, List<Truncate>> truncates = truncatesByXid(actions);
        List<String> out = new ArrayList<>();
        for (String record : records) {
            StringBuilder text = new StringBuilder(record);
            for (Truncate truncate : truncates.getOrDefault(JSON.readTree(record).get("xid").asLong(), List.of())) {
                String change = "{\"kind\":\"truncate\",\"schema\":\"" + truncate.schema() + "\",\"table\":\"" + truncate.table() + "\"}";
                List<Integer> starts = new ArrayList<>();
                for (int at = text.indexOf(CHANGE_START); at >= 0; at = text.indexOf(CHANGE_START, at + 1)) {
                    starts.add(at);
                }
                if (truncate.place() < starts.size()) {
                    text.insert(starts.get(truncate.place()), change + ",");
                } else {
                    text.insert(text.lastIndexOf("]"), (starts.isEmpty() ? "" : ",") + change);
                }
            }
            out.add(text.toString());
        }
        return out;
    }

    /** The change kinds of each record whose transaction truncated something, in commit order. */
    private static List<String> changeKindsOfTruncatingRecords(List<String> records, List<String> actions) throws IOException {
        Map<Long, List<Truncate>> truncates = truncatesByXid(actions);
        List<String> kinds = new ArrayList<>();
        for (String record : records) {
            JsonNode parsed = JSON.readTree(record);
            if (truncates.containsKey(parsed.get("xid").asLong())) {
                List<String> recordKinds = new ArrayList<>();
                parsed.get("change").forEach(change -> recordKinds.add(change.get("kind").asText()));
                kinds.add(recordKinds.toString());
            }
        }
        return kinds;
    }
}
