package io.walmetrics.sink;

import static io.walmetrics.sink.IndexMirror.assertIndexEqualsMetrics;
import static io.walmetrics.sink.IndexMirror.checkpoint;
import static io.walmetrics.sink.IndexMirror.indexUuid;
import static io.walmetrics.sink.IndexMirror.lastBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.RandomWal;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.search.SearchNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * The sink when the index is not what the checkpoint says (lost, reached by another spelling of the URL, from
 * before checkpoints named their index), when the index refuses documents or writes, and when the database is
 * locked: the sink command in JVMs of its own against the suite's real OpenSearch node.
 */
class SinkRecoveryTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicInteger INDEXES = new AtomicInteger();

    @TempDir
    Path dir;

    private SearchNode node;
    private String index;

    @BeforeEach
    void node() {
        node = SearchNode.shared();
        index = "metrics-recovery-" + INDEXES.incrementAndGet();
        node.deleteIndex(index);
    }

    @AfterEach
    void dropIndex() {
        if (node != null) {
            node.deleteIndex(index);
        }
    }

    private LoaderProcess sink(String url, String... extra) {
        List<String> args = new ArrayList<>(List.of("sink", "--url", url, "--index", index, "--db", "metrics.db"));
        args.addAll(List.of(extra));
        return LoaderProcess.start(dir, args.toArray(String[]::new));
    }

    private LoaderProcess sinkToEnd(String url, String... extra) {
        LoaderProcess sink = sink(url, extra);
        sink.awaitExit(TIMEOUT);
        return sink;
    }

    /** Loads the stream's first {@code batches} batches and sinks them into the index; returns the checkpoint. */
    private long loadAndSink(TestDb db, RandomWal.Stream stream, int batches) {
        db.load(stream.walFile(0, batches));
        LoaderProcess first = sinkToEnd(node.url());
        assertEquals(0, first.exitCode(), first.describe());
        return checkpoint(db, node, index);
    }

    private long deletionsAfter(TestDb db, long batch) {
        return db.jdbi().withHandle(handle -> handle.createQuery(
                        "select count(*) from metric_feed where op = 'delete' and batch_id > :batch")
                .bind("batch", batch).mapTo(Long.class).one());
    }

    @Test
    void when_the_index_is_deleted_then_the_next_sink_says_it_starts_over_and_the_new_index_holds_all_of_metrics() throws Exception {
        long seed = 20_261_204L;
        RandomWal.Stream stream = RandomWal.generate(seed, 40);
        TestDb db = new TestDb(dir);
        long before = loadAndSink(db, stream, 30);
        assertEquals(lastBatch(db), before);
        String lostUuid = indexUuid(node, index);

        node.deleteIndex(index);
        db.load(stream.walFile(30, 40));
        LoaderProcess second = sinkToEnd(node.url());

        assertEquals(0, second.exitCode(), second.describe());
        String target = node.url() + "/" + index;
        String newUuid = indexUuid(node, index);
        assertEquals(List.of(
                target + ": created the index from search/metrics-index.json",
                target + ": not the index the checkpoint (batch " + before + ") was made for (uuid " + lostUuid + ", now " + newUuid
                        + "): starting over, sending everything metrics holds"),
                second.stderrLines().subList(0, 2), second.describe());
        assertTrue(second.stderrLines().get(2).startsWith("metrics.db -> " + target + ": " + db.count("metrics")
                + " index and 0 delete actions acknowledged (0 already there), checkpoint 0 -> " + lastBatch(db)), second.describe());
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + ", after the index was lost and sunk again");
        assertEquals(lastBatch(db), checkpoint(db, node, index));
        assertEquals(List.of(Map.of("index_name", index, "index_uuid", newUuid, "batch_id", (int) lastBatch(db))),
                db.rows("select index_name, index_uuid, batch_id from sink_index_checkpoints"), "one checkpoint, of the new index");
    }

    @Test
    void when_the_url_is_spelled_otherwise_then_the_checkpoint_is_the_same_and_the_deletes_since_reach_the_index() throws Exception {
        long seed = 20_261_204L;
        RandomWal.Stream stream = RandomWal.generate(seed, 60);
        TestDb db = new TestDb(dir);
        long checkpoint = loadAndSink(db, stream, 30);
        db.load(stream.walFile(30, 60));
        assertTrue(deletionsAfter(db, checkpoint) > 0, "seed " + seed + ": the later batches delete metrics the index holds");

        String otherSpelling = node.url().replace("127.0.0.1", "LocalHost") + "/";
        LoaderProcess second = sinkToEnd(otherSpelling);

        assertEquals(0, second.exitCode(), second.describe());
        assertTrue(second.stderrLines().get(0).startsWith("metrics.db -> " + otherSpelling.replaceAll("/$", "") + "/" + index + ": "),
                second.describe());
        assertTrue(second.stderrLines().get(0).endsWith(", checkpoint " + checkpoint + " -> " + lastBatch(db)), second.describe());
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + ", after a sink through " + otherSpelling);
        assertEquals(1, db.count("sink_index_checkpoints"), "one checkpoint for one index, whatever the spelling");
    }

    @Test
    void when_a_checkpoint_predates_index_uuids_then_the_sink_starts_over_with_the_deletes_and_the_index_equals_metrics() throws Exception {
        long seed = 20_261_204L;
        RandomWal.Stream stream = RandomWal.generate(seed, 60);
        TestDb db = new TestDb(dir);
        long sunk = loadAndSink(db, stream, 30);
        db.load(stream.walFile(30, 60));
        assertTrue(deletionsAfter(db, sunk) > 0, "seed " + seed + ": the later batches delete metrics the index holds");
        // as migrations/018 brings along a checkpoint of migrations/012: the URL and the index name, no uuid; here one
        // that says the index has everything, which it has not
        db.jdbi().useHandle(handle -> {
            handle.execute("delete from sink_index_checkpoints");
            handle.createUpdate("insert into sink_index_checkpoints (index_name, cluster_uuid, index_uuid, target_url, batch_id,"
                            + " acknowledged_at) values (:index, null, null, :url, :batch, '2026-01-01T00:00:00Z')")
                    .bind("index", index).bind("url", node.url()).bind("batch", lastBatch(db)).execute();
        });

        LoaderProcess sink = sinkToEnd(node.url());

        assertEquals(0, sink.exitCode(), sink.describe());
        String target = node.url() + "/" + index;
        assertEquals(target + ": the checkpoint (batch " + lastBatch(db) + ") names no index (made before migrations/018):"
                + " starting over, sending everything metrics holds and its deletes", sink.stderrLines().get(0), sink.describe());
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + ", after starting over from an old checkpoint");
        assertEquals(List.of(Map.of("index_uuid", indexUuid(node, index), "batch_id", (int) lastBatch(db))),
                db.rows("select index_uuid, batch_id from sink_index_checkpoints"), "the old checkpoint gave way to one of this index");
    }

    @Test
    void when_migration_018_runs_on_a_database_with_old_checkpoints_then_it_brings_them_along_once() throws Exception {
        TestDb db = new TestDb(dir);
        db.jdbi().useHandle(handle -> {
            handle.execute("insert into sink_checkpoints (target_url, index_name, batch_id, acknowledged_at)"
                    + " values ('http://127.0.0.1:9200', 'metrics', 23, '2026-01-01T00:00:00Z')");
            forgetMigration018(handle);
        });

        TestDb migratedAgain = new TestDb(dir);
        db.jdbi().useHandle(SinkRecoveryTest::forgetMigration018);
        new TestDb(dir);

        assertEquals(List.of(new TreeMap<>(Map.of("index_name", "metrics", "target_url", "http://127.0.0.1:9200", "batch_id", 23,
                        "acknowledged_at", "2026-01-01T00:00:00Z"))),
                migratedAgain.rows("select index_name, target_url, batch_id, acknowledged_at from sink_index_checkpoints"
                        + " where cluster_uuid is null and index_uuid is null").stream().map(TreeMap::new).toList());
        assertEquals(1, migratedAgain.count("sink_index_checkpoints"));
    }

    /** As if migration 018 had not run: the next open runs it (again). */
    private static void forgetMigration018(org.jdbi.v3.core.Handle handle) {
        handle.execute("delete from databasechangelog where id like '018-%'");
        handle.execute("delete from schema_fingerprint");
    }

    @Test
    void when_metrics_hold_values_postgresql_allows_then_the_template_takes_every_one_and_they_stay_searchable() throws Exception {
        TestDb db = new TestDb(dir);
        db.load(Path.of("data/wal.json"));
        List<String> ids = db.rows("select id from metrics order by id limit 5").stream().map(row -> (String) row.get("id")).toList();
        db.jdbi().useHandle(handle -> {
            handle.createUpdate("update metrics set created_at = 'infinity' where id = :id").bind("id", ids.get(0)).execute();
            handle.createUpdate("update metrics set created_at = '4713-01-01 00:00:00 BC' where id = :id").bind("id", ids.get(1)).execute();
            handle.createUpdate("update metrics set created_at = '12021-06-03 07:01:02.5' where id = :id").bind("id", ids.get(2)).execute();
            handle.createUpdate("update metrics set three_d_secure_authentication = '[\"AUTH_SUCCESS\", 2]' where id = :id")
                    .bind("id", ids.get(3)).execute();
            handle.createUpdate("update metrics set three_d_secure_authentication = '\"AUTH_SUCCESS\"' where id = :id")
                    .bind("id", ids.get(4)).execute();
        });

        LoaderProcess sink = sinkToEnd(node.url());

        assertEquals(0, sink.exitCode(), sink.describe());
        assertIndexEqualsMetrics(node, index, db, "with infinity, a BC date, a year past 9999, a JSON array and a JSON string");
        assertEquals(List.of(ids.get(0)), searchIds("{\"term\":{\"created_at.text\":\"infinity\"}}"));
        assertEquals(List.of(ids.get(1)), searchIds("{\"term\":{\"created_at.text\":\"4713-01-01 00:00:00 BC\"}}"));
        assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2)), searchIds("{\"term\":{\"_ignored\":\"created_at\"}}"));
        long dated = db.rows("select id from metrics where created_at >= '2021-06-03' and created_at < '2021-06-04'"
                + " and created_at not like '%BC'").size();
        assertEquals(dated, searchIds("{\"range\":{\"created_at\":{\"gte\":\"2021-06-03 00:00:00\",\"lt\":\"2021-06-04 00:00:00\"}}}").size());
    }

    @SuppressWarnings("unchecked")
    private List<String> searchIds(String query) {
        node.send("POST", "/" + index + "/_refresh", null);
        SearchNode.Response response = node.send("POST", "/" + index + "/_search",
                "{\"size\":10000,\"sort\":[{\"id\":\"asc\"}],\"query\":" + query + "}");
        assertEquals(200, response.status(), response.body());
        List<Object> hits = (List<Object>) ((Map<String, Object>) response.json().get("hits")).get("hits");
        return hits.stream().map(hit -> (String) ((Map<String, Object>) hit).get("_id")).toList();
    }

    @Test
    void when_the_index_refuses_some_documents_then_each_is_named_kept_in_sink_refused_the_rest_go_and_a_later_sink_resends_them()
            throws Exception {
        TestDb db = new TestDb(dir);
        db.load(Path.of("data/wal.json"));
        String template = Files.readString(Path.of("search/metrics-index.json"));
        String narrower = template.replaceFirst("\"decline_reason\": \\{[^}]*}", "\"decline_reason\": { \"type\": \"long\" }");
        assertTrue(!narrower.equals(template), "the test narrows decline_reason");
        assertEquals(200, node.send("PUT", "/" + index, narrower).status());
        List<Map<String, Object>> refusable = db.rows(
                "select id, updated_in_batch, decline_reason from metrics where decline_reason is not null order by updated_in_batch, id");
        assertTrue(refusable.size() > 0 && refusable.size() < db.count("metrics"), "some metrics have a decline reason, some not");

        LoaderProcess sink = sinkToEnd(node.url());

        assertEquals(3, sink.exitCode(), "3: done, but the index refused some documents\n" + sink.describe());
        String target = node.url() + "/" + index;
        List<String> lines = sink.stderrLines();
        for (int i = 0; i < refusable.size(); i++) {
            Map<String, Object> row = refusable.get(i);
            String start = "document " + row.get("id") + " (batch " + row.get("updated_in_batch") + ") refused by " + target
                    + ": field decline_reason: 400 mapper_parsing_exception: failed to parse field [decline_reason] of type [long]"
                    + " in document with id '" + row.get("id") + "'. Preview of field's value: '" + row.get("decline_reason") + "'";
            String end = "; kept in sink_refused, the next sink sends it again";
            assertTrue(lines.get(i).startsWith(start) && lines.get(i).endsWith(end), lines.get(i) + "\n" + sink.describe());
        }
        long accepted = db.count("metrics") - refusable.size();
        assertEquals("metrics.db -> " + target + ": " + accepted + " index and 0 delete actions acknowledged (0 already there), "
                + refusable.size() + " refused (see sink_refused), checkpoint 0 -> 23", lines.get(refusable.size()), sink.describe());
        assertEquals(refusable.size() + 2, lines.size(), sink.describe());
        assertEquals(23, checkpoint(db, node, index), "the refused documents did not hold the checkpoint back");
        assertEquals(accepted, node.documents(index).size());
        List<Map<String, Object>> kept = db.rows("select document_id, batch_id, index_name, index_uuid from sink_refused order by batch_id, document_id");
        List<Map<String, Object>> expected = new ArrayList<>();
        for (Map<String, Object> row : refusable) {
            expected.add(Map.of("document_id", row.get("id"), "batch_id", row.get("updated_in_batch"), "index_name", index,
                    "index_uuid", indexUuid(node, index)));
        }
        assertEquals(expected, kept);
        Map<String, Object> one = db.rows("select document, reason from sink_refused where document_id = '" + refusable.get(0).get("id") + "'").get(0);
        assertEquals(io.walmetrics.testing.MetricDocuments.of(db).get((String) refusable.get(0).get("id")),
                io.walmetrics.testing.JsonValues.parseObject((String) one.get("document")), "the document as it was sent");
        assertTrue(lines.get(0).contains(": " + one.get("reason") + ";"), "the line names the node's reason as kept: " + lines.get(0));

        // the person lifts the refusal; the next sink sends the kept documents again
        assertEquals(200, node.send("PUT", "/" + index + "/_mapping",
                "{\"properties\":{\"decline_reason\":{\"type\":\"long\",\"ignore_malformed\":true}}}").status());
        LoaderProcess again = sinkToEnd(node.url());

        assertEquals(0, again.exitCode(), again.describe());
        assertEquals(List.of(target + ": sending again " + refusable.size() + " documents it refused before (sink_refused)",
                "metrics.db -> " + target + ": " + refusable.size() + " index and 0 delete actions acknowledged (0 already there),"
                        + " checkpoint 23 -> 23"), again.stderrLines().subList(0, 2), again.describe());
        assertEquals(0, db.count("sink_refused"));
        assertIndexEqualsMetrics(node, index, db, "after the refused documents were sent again");
    }

    @Test
    void when_the_index_is_write_blocked_then_the_sink_says_so_and_how_to_lift_it_in_one_line_and_exits_1() throws Exception {
        long seed = 20_261_204L;
        RandomWal.Stream stream = RandomWal.generate(seed, 40);
        TestDb db = new TestDb(dir);
        long sunk = loadAndSink(db, stream, 20);
        assertEquals(200, node.send("PUT", "/" + index + "/_settings", "{\"index.blocks.write\": true}").status());
        db.load(stream.walFile(20, 40));

        LoaderProcess sink = sinkToEnd(node.url());

        assertEquals(1, sink.exitCode(), sink.describe());
        String target = node.url() + "/" + index;
        assertEquals(List.of(target + " is write-blocked (403 cluster_block_exception: index [" + index
                        + "] blocked by: [FORBIDDEN/8/index write (api)];): lift it with PUT /" + index
                        + "/_settings {\"index.blocks.write\": false} and run sink again; checkpoint at batch " + sunk),
                sink.stderrLines(), sink.describe());
        assertEquals(sunk, checkpoint(db, node, index));
        assertEquals(0, db.count("sink_refused"), "a block is the index's, not a document's");
        assertEquals(200, node.send("PUT", "/" + index + "/_settings", "{\"index.blocks.write\": false}").status());
        assertEquals(0, sinkToEnd(node.url()).exitCode());
        assertIndexEqualsMetrics(node, index, db, "seed " + seed + ", after the block was lifted");
    }

    @Test
    void when_https_is_asked_of_a_plain_http_port_then_the_sink_says_to_use_http() throws Exception {
        TestDb db = new TestDb(dir);
        db.load(Path.of("data/wal.json"));
        String https = node.url().replace("http://", "https://");

        LoaderProcess sink = sinkToEnd(https);

        assertEquals(1, sink.exitCode(), sink.describe());
        assertEquals(List.of(https + " answers plain HTTP, not TLS: use --url " + node.url()), sink.stderrLines(), sink.describe());
    }

    @Test
    void when_another_connection_holds_the_write_lock_then_the_sink_says_it_waits_and_gives_up_after_the_lock_timeout() throws Exception {
        TestDb db = new TestDb(dir);
        db.load(Path.of("data/wal.json"));
        LoaderProcess sink;
        try (Connection other = new SQLiteConfig().createConnection("jdbc:sqlite:" + db.file());
             Statement statement = other.createStatement()) {
            statement.execute("begin immediate");
            sink = sink(node.url(), "--lock-timeout", "2");
            sink.awaitExit(TIMEOUT);
            statement.execute("rollback");
        }

        assertEquals(1, sink.exitCode(), sink.describe());
        List<String> lines = sink.stderrLines();
        assertEquals(List.of("metrics.db: waiting for the database's write lock, held by another connection, for at most 2 s (--lock-timeout)",
                        "metrics.db: the database's write lock stayed held by another connection for 2 s (--lock-timeout);"
                                + " nothing of the batch in hand was applied, run the same command again"),
                lines.subList(lines.size() - 2, lines.size()), sink.describe());
        assertEquals(0, db.count("sink_index_checkpoints"), "no checkpoint moved");

        LoaderProcess rerun = sinkToEnd(node.url(), "--lock-timeout", "2");
        assertEquals(0, rerun.exitCode(), rerun.describe());
        assertIndexEqualsMetrics(node, index, db, "after the lock was released");
    }
}
