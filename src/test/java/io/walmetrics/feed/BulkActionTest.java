package io.walmetrics.feed;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.wal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bytes of a sink's {@code _bulk} body: what OpenSearch reads, byte for byte. */
class BulkActionTest {

    private static String lines(MetricChange... changes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator lines = Json.linesGenerator(out)) {
            for (MetricChange change : changes) {
                BulkAction.writeLines(lines, change, true);
            }
        }
        return out.toString(UTF_8);
    }

    @Test
    void an_index_is_its_versioned_action_line_then_its_document_and_a_delete_is_one_line() throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", "e1");
        fields.put("decline_reason", null);
        fields.put("amount", 58179);
        fields.put("rate", 0.25);
        fields.put(MetricDocument.JSON_COLUMN, new MetricDocument.JsonText("{\"response_code\": \"AUTH_SUCCESS\", \"n\": [1, \"é\"]}"));
        fields.put("customer_id", "cust \"1\"");
        fields.put("updated_in_batch", 7L);

        String body = lines(new MetricChange.Index("e1", 7, new MetricDocument(fields)), new MetricChange.Delete("e2", 9));

        assertEquals("{\"index\":{\"_id\":\"e1\",\"version\":7,\"version_type\":\"external\"}}\n"
                + "{\"id\":\"e1\",\"decline_reason\":null,\"amount\":58179,\"rate\":0.25,"
                + "\"three_d_secure_authentication\":{\"response_code\":\"AUTH_SUCCESS\",\"n\":[1,\"é\"]},"
                + "\"customer_id\":\"cust \\\"1\\\"\",\"updated_in_batch\":7}\n"
                + "{\"delete\":{\"_id\":\"e2\",\"version\":9,\"version_type\":\"external\"}}\n", body);
    }
}
