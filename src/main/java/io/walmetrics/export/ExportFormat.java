package io.walmetrics.export;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.feed.BulkAction;
import io.walmetrics.feed.MetricChange;
import io.walmetrics.feed.MetricDocument;
import io.walmetrics.wal.Json;
import java.io.IOException;

/** How an export writes its actions: one JSON object a line, or the lines of Elasticsearch's bulk API. */
public enum ExportFormat {

    /** {@code {"op":"index","id":…,"doc":{…}}} and {@code {"op":"delete","id":…}}, one a line. */
    NDJSON("ndjson") {
        @Override
        void write(JsonGenerator lines, MetricChange change) throws IOException {
            Json.writeLine(lines, change instanceof MetricChange.Index index
                    ? new Action("index", change.id(), index.document())
                    : new Action("delete", change.id(), null));
        }
    },

    /** {@code {"index":{"_id":…}}} then the document on the next line; {@code {"delete":{"_id":…}}}. */
    ES_BULK("es-bulk") {
        @Override
        void write(JsonGenerator lines, MetricChange change) throws IOException {
            BulkAction.writeLines(lines, change, false);
        }
    };

    /** A line of {@link #NDJSON}; a delete has no document. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Action(String op, String id, MetricDocument doc) {
    }

    private final String optionValue;

    ExportFormat(String optionValue) {
        this.optionValue = optionValue;
    }

    /** The name on the command line: {@code ndjson} or {@code es-bulk}. */
    public String optionValue() {
        return optionValue;
    }

    public static ExportFormat ofOptionValue(String value) {
        for (ExportFormat format : values()) {
            if (format.optionValue.equals(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown format " + value + " (ndjson or es-bulk)");
    }

    /** Writes the line or lines of one change onto a generator of {@link Json#linesGenerator}. */
    abstract void write(JsonGenerator lines, MetricChange change) throws IOException;
}
