package io.walmetrics.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.search.SearchNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchNodeBootTest {

    @Test
    @SuppressWarnings("unchecked")
    void when_the_suite_starts_a_node_then_it_answers_as_opensearch_2_19_6() {
        SearchNode node = SearchNode.shared();
        Map<String, Object> root = node.send("GET", "/", null).json();
        assertEquals("2.19.6", ((Map<String, Object>) root.get("version")).get("number"));
    }
}
