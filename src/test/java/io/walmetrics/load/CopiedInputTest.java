package io.walmetrics.load;

import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import io.walmetrics.testing.Change;
import io.walmetrics.testing.GeneratedWal;
import io.walmetrics.testing.LoadedState;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without source positions, a batch is known by its content too: one with at least one change
 * whose content was applied from another input is not applied again, so a copy of a file, or an
 * older copy arriving after newer data, changes nothing. A batch that repeats one of its own
 * stream is a change of its own and applies.
 */
class CopiedInputTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void when_a_loaded_file_is_loaded_under_another_name_then_nothing_applies_and_the_run_says_where_it_was_applied()
            throws IOException {
        Path original = dir.resolve("wal.json");
        int batches = GeneratedWal.write(original, 41, 40);
        assertEquals(0, LoaderProcess.run(dir, TIMEOUT, "load", "--db", "metrics.db", "wal.json").exitCode());
        SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
        LoadedState before = LoadedState.exact(db);
        Files.copy(original, dir.resolve("copy.json"));

        try (LoaderProcess copy = LoaderProcess.run(dir, TIMEOUT, "load", "--json", "--db", "metrics.db", "copy.json")) {
            assertEquals(0, copy.exitCode(), copy.describe());
            assertEquals("copy.json: batches 1 to " + batches + " (batches 1 to " + batches + " of "
                    + original.toRealPath() + ") were applied before from another input: not applied again"
                    + " (--reprocess applies them)", copy.stderrLines().get(0));
            assertEquals("  batches  " + batches + " read, 0 applied, 0 skipped (applied before), " + batches
                    + " duplicate (applied from another input)", copy.stderrLines().get(2));
            Map<String, Number> summary = copy.jsonSummary();
            assertEquals(batches, summary.get("batches_duplicate").intValue());
            assertEquals(0, summary.get("batches_applied").intValue());
            assertEquals(0, summary.get("changes_landed").intValue());
        }
        assertEquals(before, LoadedState.exact(db), "staging, current tables, metrics and ledger untouched");
    }

    @Test
    void when_an_older_copy_arrives_after_newer_data_then_nothing_rolls_back() throws IOException {
        List<String> records = generatedRecords(43, 50);
        int half = records.size() / 2;
        TestDb db = TestDb.in(dir.resolve("db"));
        Path file = dir.resolve("wal.json");
        Files.writeString(file, String.join("\n", records.subList(0, half)) + "\n");
        db.load(file);
        Files.writeString(file, String.join("\n", records) + "\n");
        db.load(file);
        LoadedState newest = LoadedState.exact(new SqliteFile(db.file()));
        Path olderCopy = Files.writeString(dir.resolve("older-copy.json"), String.join("\n", records.subList(0, half)) + "\n");

        LoadReport older = db.load(olderCopy);

        assertEquals(half, older.batchesDuplicate());
        assertEquals(0, older.batchesApplied());
        assertEquals(List.of(new DuplicateRun(1, half, file.toRealPath().toString(), 1, half)), older.duplicates());
        assertEquals(newest, LoadedState.exact(new SqliteFile(db.file())));
        assertEquals(ModelOfWal.of(file).metrics(), ModelOfWal.loaded(db), "the sequential model of the stream without the repeat");
    }

    @Test
    void when_a_file_loaded_before_comes_again_on_standard_input_then_nothing_applies() throws Exception {
        Path original = dir.resolve("wal.json");
        int batches = GeneratedWal.write(original, 47, 30);
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(original);
        LoadedState before = LoadedState.exact(new SqliteFile(db.file()));

        LoadReport again = new Loader(db.jdbi()).load(new WalInput("<stdin>", WalInput.STDIN,
                new ByteArrayInputStream(Files.readAllBytes(original))), new LoadOptions(null, false));

        assertEquals(batches, again.batchesDuplicate());
        assertEquals(0, again.batchesApplied());
        assertEquals(before, LoadedState.exact(new SqliteFile(db.file())));
    }

    @Test
    void when_a_copy_is_loaded_with_reprocess_then_every_batch_applies_again() throws IOException {
        Path original = dir.resolve("wal.json");
        int batches = GeneratedWal.write(original, 41, 20);
        TestDb db = TestDb.in(dir.resolve("db"));
        LoadReport first = db.load(original);
        Path copy = Files.copy(original, dir.resolve("copy.json"));

        LoadReport again = db.load(copy, new LoadOptions(null, true));

        assertEquals(batches, again.batchesApplied());
        assertEquals(0, again.batchesDuplicate());
        assertEquals(first.changesLanded(), again.changesLanded());
    }

    @Test
    void when_a_stream_repeats_one_of_its_own_batches_then_the_repeat_applies() {
        TestDb db = TestDb.in(dir.resolve("db"));
        Change insert = event("e1", "t1", "f1");
        WalFile wal = new WalFile()
                .batch().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"))
                .batch().record(insert)
                .batch().record(Change.delete(EVENT, "e1"))
                .batch().record(insert);

        LoadReport report = db.load(wal);

        assertEquals(4, report.batchesApplied());
        assertEquals(0, report.batchesDuplicate());
        assertEquals(List.of("e1"), db.rows("select id from metrics").stream().map(row -> row.get("id")).toList());
    }

    private List<String> generatedRecords(long seed, int flows) throws IOException {
        Path raw = dir.resolve("generated-" + seed + ".json");
        try (OutputStream out = Files.newOutputStream(raw)) {
            WalGenerator.write(new WalGenerator.Options(seed, flows, Naming.PUBLISHED, Shape.STREAM), out);
        }
        return Files.readAllLines(raw, UTF_8).stream().filter(line -> !line.isBlank()).toList();
    }
}
