package io.walmetrics.export;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.feed.MetricDocument;
import java.io.IOException;

/** How an export writes its actions: one JSON object a line, or the lines of Elasticsearch's bulk API. */
public enum ExportFormat {

    /** {@code {"op":"index","id":…,"doc":{…}}} and {@code {"op":"delete","id":…}}, one a line. */
    NDJSON("ndjson") {
        @Override
        void writeIndex(JsonGenerator out, String id, MetricDocument doc) throws IOException {
            out.writeStartObject();
            out.writeStringField("op", "index");
            out.writeStringField("id", id);
            out.writeFieldName("doc");
            doc.writeTo(out);
            out.writeEndObject();
            endLine(out);
        }

        @Override
        void writeDelete(JsonGenerator out, String id) throws IOException {
            out.writeStartObject();
            out.writeStringField("op", "delete");
            out.writeStringField("id", id);
            out.writeEndObject();
            endLine(out);
        }
    },

    /** {@code {"index":{"_id":…}}} then the document on the next line; {@code {"delete":{"_id":…}}}. */
    ES_BULK("es-bulk") {
        @Override
        void writeIndex(JsonGenerator out, String id, MetricDocument doc) throws IOException {
            writeActionLine(out, "index", id);
            doc.writeTo(out);
            endLine(out);
        }

        @Override
        void writeDelete(JsonGenerator out, String id) throws IOException {
            writeActionLine(out, "delete", id);
        }

        private void writeActionLine(JsonGenerator out, String action, String id) throws IOException {
            out.writeStartObject();
            out.writeObjectFieldStart(action);
            out.writeStringField("_id", id);
            out.writeEndObject();
            out.writeEndObject();
            endLine(out);
        }
    };

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

    abstract void writeIndex(JsonGenerator out, String id, MetricDocument doc) throws IOException;

    abstract void writeDelete(JsonGenerator out, String id) throws IOException;

    private static void endLine(JsonGenerator out) throws IOException {
        out.writeRaw('\n');
    }
}
