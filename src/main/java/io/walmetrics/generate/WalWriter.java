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
            writeColumns(change.source(), carried, change.values(), "columnnames", "columntypes", "columnvalues");
        }
        if (change.oldKey() != null) {
            List<SourceColumn> identity = change.fullIdentity() != null
                    ? source.columns() : List.of(source.column(source.keyColumn()));
            Map<String, Object> oldValues = change.fullIdentity() != null
                    ? change.fullIdentity() : Map.of(source.keyColumn(), change.oldKey());
            out.writeObjectFieldStart("oldkeys");
            writeColumns(change.source(), identity, oldValues, "keynames", "keytypes", "keyvalues");
            out.writeEndObject();
        }
        out.writeEndObject();
    }

    /** The three parallel arrays of wal2json: names, PostgreSQL types and values. */
    private void writeColumns(String source, List<SourceColumn> columns, Map<String, Object> values,
                              String namesField, String typesField, String valuesField) throws IOException {
        out.writeArrayFieldStart(namesField);
        for (SourceColumn column : columns) {
            out.writeString(naming.walColumn(source, column.name()));
        }
        out.writeEndArray();
        out.writeArrayFieldStart(typesField);
        for (SourceColumn column : columns) {
            out.writeString(column.pgType());
        }
        out.writeEndArray();
        out.writeArrayFieldStart(valuesField);
        for (SourceColumn column : columns) {
            writeValue(values.get(column.name()));
        }
        out.writeEndArray();
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
