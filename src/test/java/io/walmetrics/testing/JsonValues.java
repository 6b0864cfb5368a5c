package io.walmetrics.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON text a command wrote into plain Java values (objects as ordered maps, arrays as
 * lists, integers as Long, other numbers as Double, strings, booleans, null), failing on anything
 * that is not exactly one JSON value.
 */
public final class JsonValues {

    private JsonValues() {
    }

    public static Object parse(String text) {
        try (JsonParser parser = Json.FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new AssertionError("no JSON value in: " + text);
            }
            Object value = read(parser);
            if (parser.nextToken() != null) {
                throw new AssertionError("something follows the JSON value in: " + text);
            }
            return value;
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + e.getMessage() + "): " + text, e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new AssertionError("not a JSON object: " + text);
        }
        return (Map<String, Object>) value;
    }

    private static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() != JsonToken.END_OBJECT) {
                    String name = parser.currentName();
                    parser.nextToken();
                    if (object.containsKey(name)) {
                        throw new AssertionError("field " + name + " twice");
                    }
                    object.put(name, read(parser));
                }
                return object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(read(parser));
                }
                return array;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                return parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return parser.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new UncheckedIOException(new IOException("unexpected " + token));
        }
    }
}
