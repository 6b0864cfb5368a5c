package io.walmetrics.sink;

import static io.walmetrics.sink.IndexMirror.assertIndexEqualsMetrics;
import static io.walmetrics.sink.IndexMirror.checkpoint;
import static io.walmetrics.sink.IndexMirror.lastBatch;
import static io.walmetrics.testing.Rows.TOKEN;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.RandomWal;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import io.walmetrics.testing.search.SearchNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink's rounds, in this JVM, against the suite's real OpenSearch node. */
class IndexSinkTest {

    private static final AtomicInteger INDEXES = new AtomicInteger();

    @TempDir
    Path dir;

    private SearchNode node;
    private String index;
    private final List<String> retries = new ArrayList<>();

    @BeforeEach
    void node() {
        node = SearchNode.shared();
        index = "metrics-unit-" + INDEXES.incrementAndGet();
        node.deleteIndex(index);
    }

    @AfterEach
    void dropIndex() {
        if (node != null) {
            node.deleteIndex(index);
        }
    }

    private IndexSink sink(TestDb db, IndexSink.Limits limits) throws IOException {
        SearchClient client = new SearchClient(SinkTarget.of(node.url(), index), SinkCredentials.none(), null);
        return new IndexSink(db.jdbi(), client, limits, new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1)),
                new IndexSink.Events() {
                    @Override
                    public void indexCreated(SinkTarget target) {
                    }

                    @Override
                    public void retrying(String reason, int actions, Duration delay, int attempt) {
                        retries.add(reason);
                    }
                }, () -> false);
    }

    @Test
    void when_a_generated_stream_is_loaded_batch_by_batch_then_after_every_batch_the_index_holds_exactly_metrics() throws IOException {
        long seed = System.nanoTime();
        RandomWal.Stream stream = RandomWal.generate(seed, 40);
        TestDb db = TestDb.in(dir);
        IndexSink sink = sink(db, new IndexSink.Limits(7, 1 << 20));
        long deletes = 0;
        for (int batch = 0; batch < stream.batches().size(); batch++) {
            db.load(stream.walFile(batch, batch + 1));
            IndexSink.Report report = sink.run();
            deletes += report.deleteActions();
            String when = "seed " + seed + ", after batch " + (batch + 1);
            assertIndexEqualsMetrics(node, index, db, when);
            assertEquals(lastBatch(db), checkpoint(db, node, index), when + ": the checkpoint is the last batch");
            assertEquals(lastBatch(db), report.checkpoint(), when);
        }
        assertEquals(List.of(), retries, "seed " + seed + ": the node took every action at once");
        System.out.println("seed " + seed + ": " + deletes + " deletes sent over " + stream.batches().size() + " batches");
    }

    @Test
    void when_a_source_table_is_truncated_then_the_index_loses_every_metric_it_took_and_gets_back_those_that_return() throws IOException {
        TestDb db = TestDb.in(dir);
        IndexSink sink = sink(db, IndexSink.Limits.DEFAULT);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"),
                transaction("t2"), token("k2"), request("r2", "f2", "k1"), event("e2", "t2", "f2"),
                transaction("t3"), token("k3"), request("r3", "f3", "k3"), event("e3", "t3", "f3")));
        assertEquals(3, sink.run().indexActions());
        assertIndexEqualsMetrics(node, index, db, "before the truncate");

        db.load(new WalFile().record(Change.truncate(TOKEN)));
        IndexSink.Report truncated = sink.run();

        assertEquals(List.of(3L, 0L), List.of(truncated.deleteActions(), truncated.indexActions()));
        assertEquals(0, db.count("metrics"));
        assertIndexEqualsMetrics(node, index, db, "after the truncate");

        db.load(new WalFile().record(token("k3")));
        IndexSink.Report back = sink.run();

        assertEquals(List.of(0L, 1L), List.of(back.deleteActions(), back.indexActions()));
        assertIndexEqualsMetrics(node, index, db, "after k3 came back");
    }

    @Test
    void when_the_checkpoint_is_reset_then_replaying_every_older_state_changes_nothing() throws IOException {
        long seed = System.nanoTime();
        RandomWal.Stream stream = RandomWal.generate(seed, 30);
        TestDb db = TestDb.in(dir);
        IndexSink sink = sink(db, IndexSink.Limits.DEFAULT);
        for (int batch = 0; batch < 30; batch++) {
            db.load(stream.walFile(batch, batch + 1));
            sink.run();
        }
        var before = node.documents(index);

        db.jdbi().useHandle(handle -> handle.execute("update sink_index_checkpoints set batch_id = 1"));
        IndexSink.Report replay = sink.run();

        assertEquals(replay.actions(), replay.alreadyThere(), "seed " + seed + ": every replayed action was already there");
        assertEquals(before, node.documents(index), "seed " + seed + ": the replay changed no document, nor its version");
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + " after the replay");
    }

    @Test
    void when_an_older_copy_of_the_database_is_sunk_within_gc_deletes_then_no_document_goes_back() throws IOException {
        long seed = System.nanoTime();
        RandomWal.Stream stream = RandomWal.generate(seed, 40);
        TestDb newer = TestDb.in(dir.resolve("newer"));
        newer.load(stream.walFile(0, 20));
        IndexSink newerSink = sink(newer, IndexSink.Limits.DEFAULT);
        newerSink.run();
        TestDb older = TestDb.in(dir.resolve("older"));
        older.load(stream.walFile(0, 20));
        newer.load(stream.walFile(20, 40));
        newerSink.run();
        var before = node.documents(index);

        IndexSink.Report stale = sink(older, IndexSink.Limits.DEFAULT).run();

        assertEquals(stale.actions(), stale.alreadyThere(), "seed " + seed + ": the index had each of them or a newer state");
        assertEquals(before, node.documents(index), "seed " + seed + ": older states never replace newer ones, nor deleted ones come back");
        assertIndexEqualsMetrics(node, index, newer, "seed " + seed + " after the stale sink");
    }
}
