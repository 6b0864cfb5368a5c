package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one element of a record's {@code change} array into a {@link WalChange}
 * (docs/reference.md#records). A change whose structure is not wal2json's is not an error of the
 * input: it comes back with the first reason in {@link WalChange#malformed()} and what could not
 * be parsed kept as JSON text in {@link WalChange#otherFields()}, so that it can be rejected whole.
 */
final class ChangeParser {

    /** The fields of a change that carry a row: a truncate has none of them (docs/reference.md#records). */
    private static final java.util.Set<String> ROW_FIELDS = java.util.Set.of("columnnames", "columntypes", "columnvalues", "oldkeys");

    private final WalTokens tokens;

    ChangeParser(WalTokens tokens) {
        this.tokens = tokens;
    }

    /** One change given as JSON text, as the reader would parse it inside a record: for tests. */
    static WalChange parse(String json, ChangePosition position, Lsn recordLsn) throws IOException {
        try (JsonParser parser = Json.WAL_RECORDS.createParser(json)) {
            WalTokens tokens = new WalTokens(parser, new BatchDigest());
            WalChange change = new ChangeParser(tokens).parse(tokens.take(), position, recordLsn);
            if (tokens.peek() != null) {
                throw tokens.problem("more than one change");
            }
            return change;
        }
    }

    /** The change whose first token, {@code first}, was just taken; consumes the rest of it. */
    WalChange parse(JsonToken first, ChangePosition position, Lsn recordLsn) throws IOException {
        if (first != JsonToken.START_OBJECT) {
            return new WalChange(position, null, null, null, List.of(), List.of(), List.of(), null,
                    "a change must be a JSON object", Map.of("value", tokens.copyValue()), recordLsn);
        }
        String kind = null;
        String schema = null;
        String table = null;
        List<String> names = List.of();
        List<String> types = List.of();
        List<WalValue> values = List.of();
        OldKeys oldKeys = null;
        String malformed = null;
        boolean carriesRow = false;
        Map<String, String> other = new LinkedHashMap<>();
        for (JsonToken token = tokens.take(); token != JsonToken.END_OBJECT; token = tokens.take()) {
            String field = tokens.fieldName();
            JsonToken value = tokens.take();
            carriesRow |= ROW_FIELDS.contains(field);
            switch (field) {
                case "kind", "schema", "table" -> {
                    if (value == JsonToken.VALUE_STRING) {
                        String text = tokens.text();
                        switch (field) {
                            case "kind" -> kind = text;
                            case "schema" -> schema = text;
                            default -> table = text;
                        }
                    } else {
                        malformed = firstOf(malformed, field + " is not a string");
                        other.put(field, tokens.copyValue());
                    }
                }
                case "columnnames", "columntypes" -> {
                    if (value != JsonToken.START_ARRAY) {
                        malformed = firstOf(malformed, field + " is not an array");
                        other.put(field, tokens.copyValue());
                        continue;
                    }
                    Map<Integer, String> nonStrings = new HashMap<>();
                    List<String> strings = readStrings(nonStrings);
                    if (!nonStrings.isEmpty()) {
                        malformed = firstOf(malformed, field + " holds something other than strings");
                        other.put(field, rawArray(strings, nonStrings));
                        strings.replaceAll(name -> name == null ? "" : name);
                    }
                    if (field.equals("columnnames")) {
                        names = strings;
                    } else {
                        types = strings;
                    }
                }
                case "columnvalues" -> {
                    if (value == JsonToken.START_ARRAY) {
                        values = readValues();
                    } else {
                        malformed = firstOf(malformed, "columnvalues is not an array");
                        other.put(field, tokens.copyValue());
                    }
                }
                case "oldkeys" -> {
                    if (value == JsonToken.START_OBJECT) {
                        StringWriter raw = tokens.startCopy();
                        try {
                            oldKeys = readOldKeys();
                        } finally {
                            tokens.endCopy();
                        }
                        if (oldKeys == null) {
                            malformed = firstOf(malformed, "oldkeys does not hold keynames, keytypes and keyvalues arrays");
                            other.put(field, Json.escapeLoneSurrogates(raw.toString()));
                        }
                    } else {
                        malformed = firstOf(malformed, "oldkeys is not an object");
                        other.put(field, tokens.copyValue());
                    }
                }
                default -> other.put(field, tokens.copyValue());
            }
        }
        if (WalChange.TRUNCATE.equals(kind) && carriesRow) {
            malformed = firstOf(malformed, WalChange.TRUNCATE_WITH_ROW);
        }
        return new WalChange(position, kind, schema, table, names, types, values, oldKeys, malformed, other, recordLsn);
    }

    /** The elements of the array just opened; null stands for an element that is not a string. */
    private List<String> readStrings() throws IOException {
        return readStrings(null);
    }

    /** As {@link #readStrings()}, keeping the JSON text of each element that is not a string by its index. */
    private List<String> readStrings(Map<Integer, String> nonStrings) throws IOException {
        List<String> strings = new ArrayList<>();
        for (JsonToken token = tokens.take(); token != JsonToken.END_ARRAY; token = tokens.take()) {
            if (token == JsonToken.VALUE_STRING) {
                strings.add(tokens.text());
            } else {
                String raw = tokens.copyValue();
                if (nonStrings != null) {
                    nonStrings.put(strings.size(), raw);
                }
                strings.add(null);
            }
        }
        return strings;
    }

    private static String rawArray(List<String> strings, Map<Integer, String> nonStrings) {
        List<String> elements = new ArrayList<>();
        for (int i = 0; i < strings.size(); i++) {
            elements.add(nonStrings.containsKey(i) ? nonStrings.get(i) : Json.quote(strings.get(i)));
        }
        return "[" + String.join(",", elements) + "]";
    }

    private List<WalValue> readValues() throws IOException {
        List<WalValue> values = new ArrayList<>();
        for (JsonToken token = tokens.take(); token != JsonToken.END_ARRAY; token = tokens.take()) {
            values.add(readValue(token));
        }
        return values;
    }

    private WalValue readValue(JsonToken token) throws IOException {
        WalValue value = tokens.columnValue(token);
        if (value == null) {
            throw tokens.problem("unexpected " + token + " among column values");
        }
        return value;
    }

    /** The oldkeys object just opened; null when it lacks keynames or keyvalues, or a key name is not a string. */
    private OldKeys readOldKeys() throws IOException {
        List<String> names = null;
        List<String> types = null;
        List<WalValue> values = null;
        for (JsonToken token = tokens.take(); token != JsonToken.END_OBJECT; token = tokens.take()) {
            String field = tokens.fieldName();
            JsonToken value = tokens.take();
            if (value != JsonToken.START_ARRAY) {
                tokens.skipValue(value);
                continue;
            }
            switch (field) {
                case "keynames" -> names = readStrings();
                case "keytypes" -> types = readStrings();
                case "keyvalues" -> values = readValues();
                default -> tokens.skipValue(value);
            }
        }
        if (names == null || values == null || names.contains(null)) {
            return null;
        }
        if (types != null && types.contains(null)) {
            types = null;
        }
        return new OldKeys(names, types == null ? List.of() : types, values);
    }

    private static String firstOf(String existing, String reason) {
        return existing != null ? existing : reason;
    }
}
