package io.walmetrics.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.MetricDocuments;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.search.SearchNode;
import java.util.Map;
import java.util.TreeMap;

/** What "the index equals metrics" means in these tests, asserted whole. */
final class IndexMirror {

    private IndexMirror() {
    }

    /**
     * The index holds exactly the rows of metrics, field by field, each at the external version of the batch that
     * last changed it, and no other document.
     */
    static void assertIndexEqualsMetrics(SearchNode node, String index, TestDb db, String when) {
        Map<String, Map<String, Object>> expected = MetricDocuments.of(db);
        Map<String, SearchNode.Document> documents = node.documents(index);
        Map<String, Map<String, Object>> actual = new TreeMap<>();
        Map<String, Long> expectedVersions = new TreeMap<>();
        Map<String, Long> actualVersions = new TreeMap<>();
        documents.forEach((id, document) -> {
            actual.put(id, document.source());
            actualVersions.put(id, document.version());
        });
        expected.forEach((id, row) -> expectedVersions.put(id, (Long) row.get("updated_in_batch")));
        assertEquals(expected, actual, when + ": the documents are the rows of metrics");
        assertEquals(expectedVersions, actualVersions, when + ": each document's version is its row's updated_in_batch");
    }

    /**
     * The checkpoint of an index of that name (one that names its index: the tests that lose an index assert
     * its uuid themselves); 0 without one. Read from the database alone, so also while the node is stopped.
     */
    static long checkpoint(TestDb db, SearchNode node, String index) {
        return db.jdbi().withHandle(handle -> handle.createQuery(
                        "select coalesce(max(batch_id), 0) from sink_index_checkpoints where index_name = :index and index_uuid is not null")
                .bind("index", index).mapTo(Long.class).one());
    }

    /** The index's uuid, or null when there is no such index. */
    @SuppressWarnings("unchecked")
    static String indexUuid(SearchNode node, String index) {
        SearchNode.Response response = node.send("GET", "/" + index + "/_settings/index.uuid", null);
        if (response.status() == 404) {
            return null;
        }
        Map<String, Object> settings = (Map<String, Object>) ((Map<String, Object>) response.json().get(index)).get("settings");
        return (String) ((Map<String, Object>) settings.get("index")).get("uuid");
    }

    static long lastBatch(TestDb db) {
        return db.jdbi().withHandle(handle -> handle.createQuery("select coalesce(max(batch_id), 0) from batch_ledger")
                .mapTo(Long.class).one());
    }
}
