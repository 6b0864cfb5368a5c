package io.walmetrics.sink;

import static io.walmetrics.sink.IndexMirror.assertIndexEqualsMetrics;
import static io.walmetrics.sink.IndexMirror.checkpoint;
import static io.walmetrics.sink.IndexMirror.lastBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.GeneratedWal;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.search.SearchNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink against a node of its own that is stopped and started again, and whose write queue holds one task
 * (thread_pool.write.size 1, queue_size 1), so that a bulk spread over several shards is partly refused with 429.
 */
class SinkFaultsTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static SearchNode node;

    @TempDir
    Path dir;

    @BeforeAll
    static void startNode() {
        try {
            node = SearchNode.start("thread_pool.write.size=1", "thread_pool.write.queue_size=1");
        } catch (RuntimeException e) {
            SearchNode.unavailable(e.getMessage());
        }
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private TestDb generated(long seed, int flows) {
        TestDb db = new TestDb(dir);
        Path wal = dir.resolve("generated.json");
        GeneratedWal.write(wal, seed, flows);
        db.load(wal);
        return db;
    }

    private LoaderProcess sink(String index, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("sink", "--url", node.url(), "--index", index, "--db", "metrics.db"));
        args.addAll(List.of(extra));
        return LoaderProcess.start(dir, args.toArray(String[]::new));
    }

    @Test
    void when_the_write_queue_overflows_then_the_sink_backs_off_retries_the_refused_actions_and_loses_nothing() throws Exception {
        long seed = 13;
        TestDb db = generated(seed, 1500);
        String index = "metrics-backpressure";
        String template = Files.readString(Path.of("search/metrics-index.json"))
                .replace("\"number_of_shards\": 1", "\"number_of_shards\": 8");
        assertEquals(200, node.send("PUT", "/" + index, template).status());

        LoaderProcess sink = sink(index, "--bulk-actions", "400");

        assertEquals(0, sink.awaitExit(TIMEOUT), sink.describe());
        List<String> retries = sink.stderrLines().stream().filter(line -> line.contains("retrying")).toList();
        assertTrue(!retries.isEmpty(), "the node refused some actions: " + sink.describe());
        for (String line : retries) {
            assertTrue(line.matches("[0-9,]+ of [0-9,]+ actions refused for now \\(429 [a-z_]+\\); retrying [0-9,]+ actions in [0-9.]+ s \\(attempt [0-9]+\\)"), line);
        }
        assertIndexEqualsMetrics(node, index, db, "after a sink that was pushed back");
        assertEquals(lastBatch(db), checkpoint(db, node, index));
        node.deleteIndex(index);
    }

    @Test
    void when_the_node_stops_mid_run_and_starts_again_then_the_sink_waits_and_finishes_with_the_index_equal_to_metrics() throws Exception {
        TestDb db = generated(7, 1500);
        String index = "metrics-restart";

        LoaderProcess sink = sink(index, "--bulk-actions", "3");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (checkpoint(db, node, index) == 0 && sink.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(sink.isAlive(), "the sink is still running when the node stops: " + sink.describe());
        node.stop();
        long stoppedAt = checkpoint(db, node, index);
        Thread.sleep(2000);
        assertTrue(sink.isAlive(), "the sink waits for the node: " + sink.describe());
        assertEquals(stoppedAt, checkpoint(db, node, index), "nothing is acknowledged while the node is down");
        node.restart();

        assertEquals(0, sink.awaitExit(TIMEOUT), sink.describe());
        assertTrue(sink.stderrLines().stream().anyMatch(line -> line.matches(
                "http://127\\.0\\.0\\.1:[0-9]+ is unreachable \\(connection refused\\); retrying [0-9,]+ actions in [0-9.]+ s \\(attempt [0-9]+\\)")),
                sink.describe());
        assertIndexEqualsMetrics(node, index, db, "after the node came back");
        assertEquals(lastBatch(db), checkpoint(db, node, index));
        node.deleteIndex(index);
    }

    @Test
    void when_the_node_comes_back_empty_then_the_next_sink_says_it_starts_over_and_the_index_holds_all_of_metrics() throws Exception {
        TestDb db = generated(11, 300);
        String index = "metrics-lost-disk";
        LoaderProcess first = sink(index);
        assertEquals(0, first.awaitExit(TIMEOUT), first.describe());
        long sunk = checkpoint(db, node, index);
        assertEquals(lastBatch(db), sunk);
        String lostUuid = IndexMirror.indexUuid(node, index);
        String lostCluster = (String) node.send("GET", "/", null).json().get("cluster_uuid");

        node.restartEmpty();
        assertTrue(!lostCluster.equals(node.send("GET", "/", null).json().get("cluster_uuid")), "the node is another cluster now");
        LoaderProcess second = sink(index);

        assertEquals(0, second.awaitExit(TIMEOUT), second.describe());
        String target = node.url() + "/" + index;
        assertEquals(List.of(target + ": created the index from search/metrics-index.json",
                target + ": not the index the checkpoint (batch " + sunk + ") was made for (uuid " + lostUuid + ", now "
                        + IndexMirror.indexUuid(node, index) + "): starting over, sending everything metrics holds"),
                second.stderrLines().subList(0, 2), second.describe());
        assertIndexEqualsMetrics(node, index, db, "after the node came back without its data");
        assertEquals(1, db.count("sink_index_checkpoints"), "the lost cluster's checkpoint gave way");
        node.deleteIndex(index);
    }
}
