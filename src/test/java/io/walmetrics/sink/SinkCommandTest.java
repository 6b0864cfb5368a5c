package io.walmetrics.sink;

import static io.walmetrics.sink.IndexMirror.assertIndexEqualsMetrics;
import static io.walmetrics.sink.IndexMirror.checkpoint;
import static io.walmetrics.sink.IndexMirror.lastBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.GeneratedWal;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.RandomWal;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.search.SearchNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink command in JVMs of its own (as other tools call it), against the suite's real OpenSearch node. */
class SinkCommandTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicInteger INDEXES = new AtomicInteger();

    @TempDir
    Path dir;

    private SearchNode node;
    private String index;

    @BeforeEach
    void node() {
        node = SearchNode.shared();
        index = "metrics-cli-" + INDEXES.incrementAndGet();
        node.deleteIndex(index);
    }

    @AfterEach
    void dropIndex() {
        if (node != null) {
            node.deleteIndex(index);
        }
    }

    private LoaderProcess sink(String... extra) {
        List<String> args = new ArrayList<>(List.of("sink", "--url", node.url(), "--index", index, "--db", "metrics.db"));
        args.addAll(List.of(extra));
        return LoaderProcess.start(dir, args.toArray(String[]::new));
    }

    private TestDb loadSample() throws Exception {
        TestDb db = new TestDb(dir);
        db.load(Path.of("data/wal.json"));
        return db;
    }

    @Test
    void when_the_sample_is_sunk_then_the_index_is_metrics_and_a_second_run_sends_nothing() throws Exception {
        TestDb db = loadSample();

        LoaderProcess first = sink("--json");
        assertEquals(0, first.awaitExit(TIMEOUT), first.describe());
        assertIndexEqualsMetrics(node, index, db, "after the first run");
        assertEquals(23, checkpoint(db, node, index));
        String target = node.url() + "/" + index;
        assertEquals(List.of(
                target + ": created the index from search/metrics-index.json",
                "metrics.db -> " + target + ": 71 index and 0 delete actions acknowledged (0 already there), checkpoint 0 -> 23"),
                first.stderrLines().subList(0, 2), first.describe());
        assertEquals(3, first.stderrLines().size(), first.describe());
        assertTrue(first.stderrLines().get(2).matches("  1 bulk requests, 0 retry rounds, [0-9.]+ s, [0-9,]+ documents/s"), first.describe());
        Map<String, Object> summary = new LinkedHashMap<>(io.walmetrics.testing.JsonValues.parseObject(first.stdout().strip()));
        summary.remove("seconds");
        assertEquals(Map.of("url", node.url(), "index", index, "checkpoint_before", 0L, "checkpoint", 23L, "index_actions", 71L,
                "delete_actions", 0L, "already_there", 0L, "refused", 0L, "bulk_requests", 1L, "retry_rounds", 0L), summary);
        assertEquals("{\"url\":\"" + node.url() + "\",\"index\":\"" + index + "\",\"checkpoint_before\":0,\"checkpoint\":23,"
                + "\"index_actions\":71,\"delete_actions\":0,\"already_there\":0,\"refused\":0,\"bulk_requests\":1,\"retry_rounds\":0,\"seconds\":S}\n",
                first.stdout().replaceFirst("\"seconds\":[0-9.]+}", "\"seconds\":S}"), "the whole line, names in this order");

        LoaderProcess second = sink();
        assertEquals(0, second.awaitExit(TIMEOUT), second.describe());
        assertEquals("metrics.db -> " + target + ": 0 index and 0 delete actions acknowledged (0 already there), checkpoint 23 -> 23",
                second.stderrLines().get(0));
        assertIndexEqualsMetrics(node, index, db, "after the second run");
    }

    @Test
    void when_the_index_maps_a_field_otherwise_then_the_sink_names_each_refused_document_and_field_in_one_line_and_exits_3() throws Exception {
        TestDb db = loadSample();
        String template = Files.readString(Path.of("search/metrics-index.json"))
                .replace("\"amount\": { \"type\": \"long\" }", "\"amount\": { \"type\": \"boolean\" }");
        assertEquals(200, node.send("PUT", "/" + index, template).status());
        List<Map<String, Object>> rows = db.rows("select id, updated_in_batch from metrics order by updated_in_batch, id");

        LoaderProcess sink = sink();

        assertEquals(3, sink.awaitExit(TIMEOUT), sink.describe());
        List<String> lines = sink.stderrLines();
        assertEquals(rows.size() + 2, lines.size(), sink.describe());
        String target = node.url() + "/" + index;
        for (int i = 0; i < rows.size(); i++) {
            String id = (String) rows.get(i).get("id");
            String expectedStart = "document " + id + " (batch " + rows.get(i).get("updated_in_batch") + ") refused by " + target
                    + ": field amount: 400 mapper_parsing_exception: failed to parse field [amount] of type [boolean] in document with id '"
                    + id + "'.";
            assertTrue(lines.get(i).startsWith(expectedStart), lines.get(i));
            assertTrue(lines.get(i).endsWith("; kept in sink_refused, the next sink sends it again"), lines.get(i));
        }
        assertEquals("metrics.db -> " + target + ": 0 index and 0 delete actions acknowledged (0 already there), 71 refused"
                + " (see sink_refused), checkpoint 0 -> 23", lines.get(rows.size()));
        assertEquals(71, db.count("sink_refused"), "every refused document is kept, to send again");
        assertEquals(23, checkpoint(db, node, index), "the refused documents do not hold the checkpoint back");
        assertEquals(0, node.documents(index).size());
    }

    @Test
    void when_the_sink_is_killed_at_seeded_moments_then_a_rerun_leaves_the_index_equal_to_metrics() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        RandomWal.Stream stream = RandomWal.generate(seed, 90);
        TestDb db = new TestDb(dir);
        Path bulk = dir.resolve("bulk.json");
        GeneratedWal.write(bulk, seed, 1500);
        db.load(bulk);
        for (int round = 0; round < 3; round++) {
            db.load(stream.walFile(round * 30, round * 30 + 30));
            LoaderProcess sink = sink("--bulk-actions", "40");
            Thread.sleep(400 + random.nextInt(1600));
            int status = sink.kill();
            String when = "seed " + seed + ", round " + round + " (" + (status == LoaderProcess.KILLED_BY_SIGKILL ? "killed" : "had finished") + ")";
            long checkpoint = checkpoint(db, node, index);
            assertTrue(checkpoint <= lastBatch(db), when);
            assertAcknowledgedUpTo(db, checkpoint, when);
        }
        LoaderProcess rerun = sink();
        assertEquals(0, rerun.awaitExit(TIMEOUT), rerun.describe());
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + " after the rerun");
        assertEquals(lastBatch(db), checkpoint(db, node, index), "seed " + seed);
    }

    /** Every row changed at or before the checkpoint is in the index at exactly its state and version. */
    private void assertAcknowledgedUpTo(TestDb db, long checkpoint, String when) {
        var documents = node.documents(index);
        io.walmetrics.testing.MetricDocuments.of(db).forEach((id, row) -> {
            if ((Long) row.get("updated_in_batch") <= checkpoint) {
                SearchNode.Document document = documents.get(id);
                assertEquals(row, document == null ? null : document.source(), when + ": " + id + " is acknowledged (checkpoint " + checkpoint + ")");
            }
        });
    }

    @Test
    void when_two_sinks_run_at_once_then_the_index_converges_to_metrics() throws Exception {
        long seed = System.nanoTime();
        TestDb db = new TestDb(dir);
        Path bulk = dir.resolve("bulk.json");
        GeneratedWal.write(bulk, seed, 1500);
        db.load(bulk);
        RandomWal.Stream stream = RandomWal.generate(seed, 60);
        db.load(stream.walFile(0, 30));
        LoaderProcess one = sink("--bulk-actions", "25");
        LoaderProcess two = sink("--bulk-actions", "60");
        db.load(stream.walFile(30, 60));
        assertEquals(0, one.awaitExit(TIMEOUT), one.describe());
        assertEquals(0, two.awaitExit(TIMEOUT), two.describe());
        LoaderProcess last = sink();
        assertEquals(0, last.awaitExit(TIMEOUT), last.describe());

        assertIndexEqualsMetrics(node, index, db, "seed " + seed + " after two sinks at once and one more");
        assertEquals(lastBatch(db), checkpoint(db, node, index), "seed " + seed);
    }

    @Test
    void when_the_sink_runs_on_an_interval_then_it_follows_new_batches_and_sigterm_stops_it_with_exit_0() throws Exception {
        long seed = System.nanoTime();
        RandomWal.Stream stream = RandomWal.generate(seed, 20);
        TestDb db = new TestDb(dir);
        db.load(stream.walFile(0, 10));
        LoaderProcess sink = sink("--interval", "0.2");
        awaitCheckpoint(db, lastBatch(db), sink);
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + ", first rounds");

        db.load(stream.walFile(10, 20));
        awaitCheckpoint(db, lastBatch(db), sink);
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + ", after new batches");

        assertEquals(0, sink.terminate(TIMEOUT), sink.describe());
        List<String> lines = sink.stderrLines();
        assertEquals("sinking metrics.db -> " + node.url() + "/" + index + " every 0.2 s; Ctrl-C stops", lines.get(0), sink.describe());
        assertEquals("stopped", lines.get(lines.size() - 1), sink.describe());
    }

    private void awaitCheckpoint(TestDb db, long batch, LoaderProcess sink) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (checkpoint(db, node, index) < batch) {
            assertTrue(sink.isAlive() && System.nanoTime() < deadline, "the sink reached batch " + batch + ": " + sink.describe());
            Thread.sleep(50);
        }
    }
}
