package io.walmetrics.generate;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.schema.SourceColumn;
import io.walmetrics.schema.SourceTable;
import io.walmetrics.wal.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** Writes wal2json format-version 1 records in one of the three shapes, streaming. */
final class WalWriter implements Closeable {

    private final JsonGenerator out;
    private final SourceCatalog catalog;
    private final Naming naming;
    private final Shape shape;
    private boolean batchOpen;

    WalWriter(OutputStream stream, SourceCatalog catalog, Naming naming, Shape shape) throws IOException {
        this.out = Json.FACTORY.createGenerator(stream);
        this.catalog = catalog;
        this.naming = naming;
        this.shape = shape;
        if (shape != Shape.STREAM) {
            out.writeStartArray();
        }
    }

    void startBatch() throws IOException {
        endBatch();
        if (shape == Shape.BATCHES) {
            out.writeRaw('\n');
            out.writeStartArray();
            batchOpen = true;
        }
    }

    void record(List<GeneratedChange> changes) throws IOException {
        out.writeRaw(shape == Shape.STREAM ? "" : "\n ");
        out.writeStartObject();
        out.writeArrayFieldStart("change");
        for (GeneratedChange change : changes) {
            writeChange(change);
        }
        out.writeEndArray();
        out.writeEndObject();
        if (shape == Shape.STREAM) {
            out.writeRaw('\n');
        }
    }

    private void endBatch() throws IOException {
        if (batchOpen) {
            out.writeEndArray();
            batchOpen = false;
        }
    }

    private void writeChange(GeneratedChange change) throws IOException {
        SourceTable source = catalog.source(change.source());
        out.writeStartObject();
        out.writeStringField("kind", change.kind());
        out.writeStringField("schema", "public");
        out.writeStringField("table", naming.walTable(change.source()));
        if (!change.kind().equals("delete")) {
            List<SourceColumn> carried = source.columns().stream()
                    .filter(column -> !change.omitted().contains(column.name())).toList();
            out.writeArrayFieldStart("columnnames");
            for (SourceColumn column : carried) {
                out.writeString(naming.walColumn(change.source(), column.name()));
            }
            out.writeEndArray();
            out.writeArrayFieldStart("columntypes");
            for (SourceColumn column : carried) {
                out.writeString(column.pgType());
            }
            out.writeEndArray();
            out.writeArrayFieldStart("columnvalues");
            for (SourceColumn column : carried) {
                writeValue(change.values().get(column.name()));
            }
            out.writeEndArray();
        }
        if (change.oldKey() != null) {
            List<SourceColumn> identity = change.fullIdentity() != null
                    ? source.columns() : List.of(source.column(source.keyColumn()));
            Map<String, Object> oldValues = change.fullIdentity() != null
                    ? change.fullIdentity() : Map.of(source.keyColumn(), change.oldKey());
            out.writeObjectFieldStart("oldkeys");
            out.writeArrayFieldStart("keynames");
            for (SourceColumn column : identity) {
                out.writeString(naming.walColumn(change.source(), column.name()));
            }
            out.writeEndArray();
            out.writeArrayFieldStart("keytypes");
            for (SourceColumn column : identity) {
                out.writeString(column.pgType());
            }
            out.writeEndArray();
            out.writeArrayFieldStart("keyvalues");
            for (SourceColumn column : identity) {
                writeValue(oldValues.get(column.name()));
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndObject();
    }

    private void writeValue(Object value) throws IOException {
        if (value == null) {
            out.writeNull();
        } else if (value instanceof GeneratedChange.JsonText json) {
            out.writeString(json.text());
        } else if (value instanceof String text) {
            out.writeString(text);
        } else if (value instanceof Long number) {
            out.writeNumber(number);
        } else if (value instanceof Integer number) {
            out.writeNumber(number);
        } else if (value instanceof Boolean bool) {
            out.writeBoolean(bool);
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass());
        }
    }

    @Override
    public void close() throws IOException {
        endBatch();
        if (shape != Shape.STREAM) {
            out.writeRaw('\n');
            out.writeEndArray();
            out.writeRaw('\n');
        }
        out.close();
    }
}
