package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** The one Jackson factory of the project, and the small JSON chores around wal2json values. */
public final class Json {

    /** Large jsonb documents are legal (TOAST allows up to 1 GB); Jackson's default cap is 20 MB. */
    private static final int MAX_STRING_LENGTH = 512 * 1024 * 1024;

    private static final int MAX_NUMBER_LENGTH = 150_000;

    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(MAX_STRING_LENGTH)
                    // PostgreSQL numeric holds up to 131,072 digits before the point and 16,383 after
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .build();

    private Json() {
    }

    public static String quote(String text) {
        return write(generator -> generator.writeString(text));
    }

    /** True when {@code text} is exactly one JSON value, as SQLite's {@code json_valid} demands. */
    public static boolean isValid(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException notJson) {
            return false;
        }
    }

    /** A JSON object of the given names to already-written JSON values, in the given order. */
    public static String objectOfRawValues(Map<String, String> rawValues) {
        return write(generator -> {
            generator.writeStartObject();
            for (var entry : rawValues.entrySet()) {
                generator.writeFieldName(entry.getKey());
                generator.writeRawValue(entry.getValue());
            }
            generator.writeEndObject();
        });
    }

    public static String arrayOfStrings(List<String> values) {
        return write(generator -> {
            generator.writeStartArray();
            for (String value : values) {
                generator.writeString(value);
            }
            generator.writeEndArray();
        });
    }

    static String writeChange(WalChange change) {
        return write(generator -> {
            generator.writeStartObject();
            Map<String, String> raw = change.otherFields();
            writeStringField(generator, "kind", change.kind());
            writeStringField(generator, "schema", change.schema());
            writeStringField(generator, "table", change.table());
            if (!change.columnNames().isEmpty() || !change.columnValues().isEmpty()) {
                if (!raw.containsKey("columnnames")) {
                    writeStrings(generator, "columnnames", change.columnNames());
                }
                if (!raw.containsKey("columntypes")) {
                    writeStrings(generator, "columntypes", change.columnTypes());
                }
                if (!raw.containsKey("columnvalues")) {
                    writeValues(generator, "columnvalues", change.columnValues());
                }
            }
            if (change.oldKeys() != null && !raw.containsKey("oldkeys")) {
                generator.writeObjectFieldStart("oldkeys");
                writeStrings(generator, "keynames", change.oldKeys().keyNames());
                writeStrings(generator, "keytypes", change.oldKeys().keyTypes());
                writeValues(generator, "keyvalues", change.oldKeys().keyValues());
                generator.writeEndObject();
            }
            for (var field : raw.entrySet()) {
                generator.writeFieldName(field.getKey());
                generator.writeRawValue(field.getValue());
            }
            generator.writeEndObject();
        });
    }

    private static void writeStringField(JsonGenerator generator, String name, String value) throws IOException {
        if (value != null) {
            generator.writeStringField(name, value);
        }
    }

    private static void writeStrings(JsonGenerator generator, String name, List<String> values) throws IOException {
        generator.writeArrayFieldStart(name);
        for (String value : values) {
            generator.writeString(value);
        }
        generator.writeEndArray();
    }

    private static void writeValues(JsonGenerator generator, String name, List<WalValue> values) throws IOException {
        generator.writeArrayFieldStart(name);
        for (WalValue value : values) {
            generator.writeRawValue(value.toJson());
        }
        generator.writeEndArray();
    }

    private interface Writing {
        void writeTo(JsonGenerator generator) throws IOException;
    }

    private static String write(Writing writing) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            writing.writeTo(generator);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return out.toString();
    }
}
