package io.walmetrics.feed;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.wal.Json;
import java.io.IOException;

/**
 * The action line of the {@code _bulk} API of Elasticsearch and OpenSearch for one change:
 * {@code {"index":{"_id":…}}} or {@code {"delete":{"_id":…}}}, the target holding the change's batch as the
 * document's external version when one is asked for. Exactly one of {@code index} and {@code delete} is set.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BulkAction(Target index, Target delete) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Target(@JsonProperty("_id") String id, Long version, String versionType) {
    }

    /**
     * Writes the lines of {@code change} onto a generator of {@link Json#linesGenerator}: the action line, then for
     * an index change its document; with {@code externalVersion}, the change's batch is the document's version.
     */
    public static void writeLines(JsonGenerator lines, MetricChange change, boolean externalVersion) throws IOException {
        Target target = externalVersion ? new Target(change.id(), change.batch(), "external") : new Target(change.id(), null, null);
        if (change instanceof MetricChange.Index index) {
            Json.writeLine(lines, new BulkAction(target, null));
            Json.writeLine(lines, index.document());
        } else {
            Json.writeLine(lines, new BulkAction(null, target));
        }
    }
}
