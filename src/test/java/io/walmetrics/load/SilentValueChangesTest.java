package io.walmetrics.load;

import static io.walmetrics.testing.Change.json;
import static io.walmetrics.testing.Rows.TOKEN;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.cli.ExitCode;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values are never changed on the way in: text UTF-8 cannot hold is a rejected change, not a
 * replacement character; a field twice in one object is malformed input, not "the last one wins";
 * JSON SQLite cannot take for its depth is rejected saying so.
 */
class SilentValueChangesTest {

    @TempDir
    Path dir;

    private static final String GOOD_TRANSACTION = "{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
            + "\"columnnames\":[\"transaction_id\",\"status\"],\"columntypes\":[\"uuid\",\"text\"],";

    @Test
    void when_a_string_holds_a_lone_surrogate_escape_then_the_change_is_rejected_naming_the_column_and_never_stored_as_x_question_mark_y()
            throws IOException {
        TestDb db = TestDb.in(dir);
        String bad = GOOD_TRANSACTION + "\"columnvalues\":[\"t2\",\"x\\ud800y\"]}";
        Path wal = Files.writeString(dir.resolve("wal.json"), "[{\"change\":[" + transaction("t1").toJson() + "," + bad + "]}]");

        LoadReport report = db.load(wal);

        assertEquals(1, report.changesRejected());
        assertEquals(List.of(Map.of(
                        "reason", "column status of transaction: \"x\\ud800y\" is not valid UTF-8 text: character 2 is a lone"
                                + " UTF-16 surrogate (\\ud800)",
                        "value", "x\\ud800y")),
                db.rows("select reason, substr(raw_json, instr(raw_json, 'x\\'), 8) as value from rejected_changes"),
                "the reason, and the change kept whole with its escape");
        assertEquals(List.of(Map.of("transaction_id", "t1")), db.rows("select transaction_id from stg_transaction"));
    }

    @Test
    void when_a_string_holds_a_valid_surrogate_pair_then_the_emoji_lands_exactly() throws IOException {
        TestDb db = TestDb.in(dir);
        String change = GOOD_TRANSACTION + "\"columnvalues\":[\"t2\",\"smile \\ud83d\\ude00\"]}";
        Path wal = Files.writeString(dir.resolve("wal.json"), "[{\"change\":[" + change + "]}]");

        LoadReport report = db.load(wal);

        assertEquals(0, report.changesRejected());
        assertEquals(List.of(Map.of("status", "smile \uD83D\uDE00", "bytes", HexFormat.of().withUpperCase()
                        .formatHex("smile \uD83D\uDE00".getBytes(UTF_8)))),
                db.rows("select status, hex(status) as bytes from stg_transaction"));
        assertEquals("736D696C6520F09F9880", HexFormat.of().withUpperCase().formatHex("smile \uD83D\uDE00".getBytes(UTF_8)),
                "U+1F600 is F0 9F 98 80 in UTF-8");
    }

    @Test
    void when_a_field_name_appears_twice_in_a_record_a_change_or_oldkeys_then_the_load_stops_there_naming_the_field()
            throws IOException {
        String first = "{\"change\":[" + transaction("t1").toJson() + "]}";
        String change = GOOD_TRANSACTION + "\"columnvalues\":[\"t2\",\"PENDING\"]}";
        record Case(String name, String field, String secondRecord) {

            /** Where Jackson finds the second copy: the colon after its name, counted from 1. */
            int column() {
                return secondRecord.lastIndexOf("\"" + field + "\"") + field.length() + 3;
            }

            String expectedLine() {
                return name.replace(' ', '-') + ".jsonl: line 2, column " + column() + " (batch 2): the field \"" + field
                        + "\" appears twice in one object (PostgreSQL never writes that; neither copy is applied)";
            }
        }
        List<Case> cases = List.of(
                new Case("change twice", "change", "{\"change\":[" + change + "],\"change\":[]}"),
                new Case("columnvalues twice", "columnvalues",
                        "{\"change\":[" + change.replace("]}", "],\"columnvalues\":[\"t3\",\"X\"]}") + "]}"),
                new Case("keynames twice", "keynames", "{\"change\":[{\"kind\":\"delete\",\"schema\":\"public\",\"table\":\"transaction\","
                        + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keynames\":[\"x\"],\"keytypes\":[\"uuid\"],"
                        + "\"keyvalues\":[\"t1\"]}}]}"));
        List<String> problems = new ArrayList<>();
        for (Case each : cases) {
            String name = each.name().replace(' ', '-');
            Files.writeString(dir.resolve(name + ".jsonl"), first + "\n" + each.secondRecord() + "\n");
            LoaderProcess load = LoaderProcess.run(dir, Duration.ofSeconds(60), "load", "--db", name + ".db", name + ".jsonl");
            SqliteFile db = new SqliteFile(dir.resolve(name + ".db"));
            if (load.exitCode() != ExitCode.FAILED || !load.stderrLines().get(0).equals(each.expectedLine())) {
                problems.add(each.name() + ": expected exit 1 and «" + each.expectedLine() + "»\n" + load.describe());
            } else if (db.number("select count(*) from batch_ledger") != 1 || db.number("select count(*) from stg_transaction") != 1) {
                problems.add(each.name() + ": the batch before it must be committed and nothing of it applied");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void when_a_jsonb_value_nests_deeper_than_sqlites_limit_then_the_change_is_rejected_saying_the_limit() {
        TestDb db = TestDb.in(dir);
        String deepest = "[".repeat(1_000) + "]".repeat(1_000);
        String tooDeep = "[".repeat(1_001) + "]".repeat(1_001);

        LoadReport report = db.load(new WalFile().record(
                token("k1").set("vault_data", json(deepest)),
                token("k2").set("vault_data", json(tooDeep))));

        assertEquals(1, report.changesRejected());
        assertEquals(List.of(Map.of("wal_table", TOKEN, "reason", "column vault_data of " + TOKEN + ": \"" + "[".repeat(59)
                        + "…" + " is valid JSON nested 1,001 levels deep, deeper than the 1,000 levels SQLite's JSON functions accept")),
                db.rows("select wal_table, reason from rejected_changes"));
        assertEquals(List.of(Map.of("token_id", "k1", "vault_data", deepest)),
                db.rows("select token_id, vault_data from stg_payment_instrument_token"), "1,000 levels land exactly");
    }
}
