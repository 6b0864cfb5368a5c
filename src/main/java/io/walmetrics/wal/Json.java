package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.OutputStream;
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

    /**
     * For reading WAL: as {@link #FACTORY}, and a field name twice in one object is malformed input
     * (PostgreSQL never writes one; applying either copy would be a guess).
     */
    static final JsonFactory WAL_RECORDS = FACTORY.rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * For the JSON the tool writes: a record as an object of its components, in their order, named in
     * snake_case (batchesRead as batches_read). It does not flush after each value: an export writes tens of
     * thousands onto one generator. Its own copy of {@link #FACTORY}, which a mapper would otherwise take as its codec.
     * Built on first use (a holder class): making a mapper costs a tenth of a second of a cold start, and
     * the reader, which loads this class, needs none.
     */
    public static ObjectMapper mapper() {
        return Mapper.INSTANCE;
    }

    private static final class Mapper {
        static final ObjectMapper INSTANCE = JsonMapper.builder(FACTORY.rebuild().build())
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
                .build();
    }

    private Json() {
    }

    /** Writes {@code value} as one line of JSON onto {@code out}, which stays open, and flushes it. */
    public static void printLine(Object value, OutputStream out) {
        try (JsonGenerator generator = linesGenerator(out)) {
            writeLine(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A generator for JSON lines (no separator of its own between values) that leaves {@code out} open when closed. */
    public static JsonGenerator linesGenerator(OutputStream out) throws IOException {
        JsonGenerator generator = mapper().getFactory().createGenerator(out);
        generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        generator.setRootValueSeparator(null);
        return generator;
    }

    /** Writes {@code value} and a newline onto a generator of {@link #linesGenerator}. */
    public static void writeLine(JsonGenerator lines, Object value) throws IOException {
        mapper().writeValue(lines, value);
        lines.writeRaw('\n');
    }

    public static String quote(String text) {
        return write(generator -> generator.writeString(text));
    }

    /** How deep SQLite's JSON functions (and so its {@code json_valid} checks) let arrays and objects nest. */
    public static final int SQLITE_MAX_DEPTH = 1_000;

    /** For checking values: no depth limit of Jackson's own, so that the depth can be measured and named. */
    private static final JsonFactory VALUE_CHECKER = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .build())
            .build();

    /**
     * Why SQLite would not take {@code text} as JSON, or null when it would: it must be exactly one
     * JSON value, nested at most {@link #SQLITE_MAX_DEPTH} deep.
     */
    public static String problemAsSqliteJson(String text) {
        try (JsonParser parser = VALUE_CHECKER.createParser(text)) {
            if (parser.nextToken() == null) {
                return "is not valid JSON";
            }
            int depth = 0;
            int deepest = 0;
            JsonToken token = parser.currentToken();
            do {
                if (token.isStructStart()) {
                    deepest = Math.max(deepest, ++depth);
                } else if (token.isStructEnd()) {
                    depth--;
                }
            } while (depth > 0 && (token = parser.nextToken()) != null);
            if (parser.nextToken() != null) {
                return "is not valid JSON";
            }
            if (deepest > SQLITE_MAX_DEPTH) {
                return String.format(java.util.Locale.ROOT, "is valid JSON nested %,d levels deep, deeper than the %,d levels"
                        + " SQLite's JSON functions accept", deepest, SQLITE_MAX_DEPTH);
            }
            return null;
        } catch (IOException notJson) {
            return "is not valid JSON";
        }
    }

    /** True when {@code text} is exactly one JSON value SQLite's {@code json_valid} accepts. */
    public static boolean isValid(String text) {
        return problemAsSqliteJson(text) == null;
    }

    /** The first lone UTF-16 surrogate of {@code text} (one that no UTF-8 text can hold), or -1. */
    public static int loneSurrogateAt(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * JSON text written by a generator with every lone surrogate as its backslash-u escape:
     * written raw, UTF-8 cannot hold it and SQLite would store a replacement character instead.
     * (Outside strings JSON text is ASCII, so a lone surrogate is always inside a string.)
     */
    public static String escapeLoneSurrogates(String json) {
        int at = loneSurrogateAt(json);
        if (at < 0) {
            return json;
        }
        StringBuilder escaped = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))) {
                escaped.append(c).append(json.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                escaped.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
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
        return escapeLoneSurrogates(out.toString());
    }

    /** The next token of a value being read, as its reader takes it (a file's reader hashes it too). */
    interface NextToken {
        JsonToken next() throws IOException;
    }

    /**
     * A column value, a file's {@code columnvalues} element or a format-version 2 column's {@code value},
     * from the token it begins with: its JSON kind and its text as written (12.3400 stays 12.3400, json
     * and jsonb whole, by {@link #copyValue}); null for a token that begins no value. One reading for
     * every route, so that a transaction hashes the same and lands the same values from a file and a slot.
     */
    static WalValue columnValue(JsonToken token, JsonParser parser, NextToken next) throws IOException {
        return switch (token) {
            case VALUE_NULL -> WalValue.NULL;
            case VALUE_TRUE -> WalValue.TRUE;
            case VALUE_FALSE -> WalValue.FALSE;
            case VALUE_STRING -> new WalValue(WalValue.Type.STRING, parser.getText());
            case VALUE_NUMBER_INT -> new WalValue(WalValue.Type.INTEGER, parser.getText());
            case VALUE_NUMBER_FLOAT -> new WalValue(WalValue.Type.DECIMAL, parser.getText());
            case START_ARRAY -> new WalValue(WalValue.Type.ARRAY, copyValue(parser, next));
            case START_OBJECT -> new WalValue(WalValue.Type.OBJECT, copyValue(parser, next));
            default -> null;
        };
    }

    /**
     * Compact JSON of the value whose first token the parser stands on, consuming the rest of it by
     * {@code next}: numbers as exactly as Jackson can keep them (not through a double), lone surrogates escaped.
     */
    static String copyValue(JsonParser parser, NextToken next) throws IOException {
        var out = new StringWriter();
        try (var generator = FACTORY.createGenerator(out)) {
            generator.copyCurrentEventExact(parser);
            boolean container = parser.currentToken() == JsonToken.START_ARRAY
                    || parser.currentToken() == JsonToken.START_OBJECT;
            int depth = container ? 1 : 0;
            while (depth > 0) {
                JsonToken token = next.next();
                generator.copyCurrentEventExact(parser);
                if (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) {
                    depth++;
                } else if (token == JsonToken.END_ARRAY || token == JsonToken.END_OBJECT) {
                    depth--;
                }
            }
        }
        return escapeLoneSurrogates(out.toString());
    }
}
