package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads wal2json format-version 1 records as a stream of batches, one token at a time, so that
 * an input larger than memory holds only the change in hand.
 *
 * <p>The shape is found from the tokens themselves (docs/reference.md#file-shapes): an array of arrays is a list of
 * batches; an array of records is one batch (or {@code batchSize} records a batch); top-level
 * record values (newline-delimited or concatenated, as pg_recvlogical writes) are grouped
 * {@code batchSize} at a time, one by default, and a top-level array among them is a batch.
 *
 * <p>Use: {@code while (reader.nextBatch()) { while ((change = reader.nextChange()) != null) ...;
 * reader.batchHash(); }}. The hash covers the tokens of the batch's records, so it does not
 * depend on whitespace or on which shape carried them.
 */
public final class WalReader implements io.walmetrics.wal.BatchSource {

    private enum BatchSource {
        /** An inner array of an array of batches: its records, all of them. */
        BATCH_ARRAY,
        /** An array of records, {@code limit} records at a time. */
        RECORD_ARRAY,
        /** Top-level record values, {@code limit} at a time. */
        TOP_LEVEL_RECORDS
    }

    /** Jackson's report of a field name twice in one object. */
    private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate Object property \"([^\"]*)\"|Duplicate field '([^']*)'");

    private final JsonParser parser;
    private final String inputName;
    private final Integer batchSize;
    private final MessageDigest digest;

    /** A token read ahead and not yet consumed (and so not yet hashed). */
    private JsonToken pending;
    private boolean insideBatchList;
    private boolean insideRecordArray;

    private BatchSource source;
    private int limit;
    private boolean batchOpen;
    private boolean batchEnded;
    private int batchNo;
    private int recordNo;
    private int changeNo;
    private boolean insideRecord;
    private boolean insideChangeArray;
    private boolean recordHasChanges;
    /** The nextlsn of the record in hand, once read; null before it or when the record has none. */
    private Lsn recordLsn;
    private Lsn batchFirstLsn;
    private Lsn batchLastLsn;
    private int batchRecordsWithoutLsn;
    private boolean hashing;
    private final byte[] hashBuffer = new byte[1 << 14];
    private int hashed;
    private String batchHash;
    private String streamHash = "";
    private boolean sawAnyToken;
    /** While set, every token consumed is also copied here, to keep a value whole as it is read. */
    private JsonGenerator tee;

    public WalReader(InputStream in, String inputName, Integer batchSize) throws IOException {
        if (batchSize != null && batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1");
        }
        this.parser = Json.WAL_RECORDS.createParser(in);
        this.inputName = inputName;
        this.batchSize = batchSize;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException everyJavaHasIt) {
            throw new IllegalStateException(everyJavaHasIt);
        }
    }

    /** Moves to the next batch; false at the end of the input. Drains the batch in hand first. */
    public boolean nextBatch() throws IOException {
        if (batchOpen && !batchEnded) {
            while (nextChange() != null) {
                // draining: the caller did not want the rest of this batch
            }
        }
        batchOpen = false;
        try {
            return openNextBatch();
        } catch (JsonProcessingException e) {
            throw formatError(e);
        }
    }

    /** The next change of the batch in hand, or null when the batch has no more. */
    public WalChange nextChange() throws IOException {
        if (!batchOpen || batchEnded) {
            return null;
        }
        try {
            WalChange change = readNextChange();
            if (change == null) {
                batchEnded = true;
                flushHash();
                batchHash = HexFormat.of().formatHex(digest.digest());
                digest.update((streamHash + batchHash).getBytes(StandardCharsets.UTF_8));
                streamHash = HexFormat.of().formatHex(digest.digest());
            }
            return change;
        } catch (JsonProcessingException e) {
            throw formatError(e);
        }
    }

    /**
     * SHA-256 over the hashes of every batch from the start of the input to this one: what
     * identifies a batch of standard input, which has no stable position of its own.
     */
    public String streamHash() {
        batchHash();
        return streamHash;
    }

    /** True when the input held nothing at all but white space; known once {@link #nextBatch()} gave false. */
    public boolean wasEmpty() {
        return !sawAnyToken;
    }

    public int batchNo() {
        return batchNo;
    }

    /** Records read in the batch in hand so far; all of them once {@link #nextChange()} gave null. */
    public int recordCount() {
        return recordNo;
    }

    /** SHA-256 of the batch's record tokens, in hex; known once {@link #nextChange()} gave null. */
    public String batchHash() {
        if (!batchEnded) {
            throw new IllegalStateException("the batch has not been read to its end");
        }
        return batchHash;
    }

    /**
     * The source positions of the batch's records: the lowest and highest {@code nextlsn}, and
     * whether every record carried one. Known once {@link #nextChange()} gave null; null when no
     * record of the batch carried a position.
     */
    public LsnRange batchLsnRange() {
        batchHash();
        return batchFirstLsn == null ? null : new LsnRange(batchFirstLsn, batchLastLsn, batchRecordsWithoutLsn == 0);
    }

    /** Where the parser stands, for progress: bytes or characters consumed so far. */
    public long offset() {
        JsonLocation location = parser.currentLocation();
        return Math.max(location.getByteOffset(), location.getCharOffset());
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }

    // ---- batch boundaries

    private boolean openNextBatch() throws IOException {
        while (true) {
            if (insideRecordArray) {
                JsonToken token = peek();
                if (token == JsonToken.START_OBJECT) {
                    return startBatch(BatchSource.RECORD_ARRAY, batchSize == null ? Integer.MAX_VALUE : batchSize);
                }
                expect(take(), JsonToken.END_ARRAY, "a WAL record");
                insideRecordArray = false;
                continue;
            }
            if (insideBatchList) {
                JsonToken token = take();
                if (token == JsonToken.START_ARRAY) {
                    return startBatch(BatchSource.BATCH_ARRAY, Integer.MAX_VALUE);
                }
                expect(token, JsonToken.END_ARRAY, "a batch (an array of WAL records)");
                insideBatchList = false;
                continue;
            }
            JsonToken token = peek();
            if (token == null) {
                return false;
            }
            if (token == JsonToken.START_OBJECT) {
                return startBatch(BatchSource.TOP_LEVEL_RECORDS, batchSize == null ? 1 : batchSize);
            }
            expect(take(), JsonToken.START_ARRAY, "a WAL record or an array of them");
            JsonToken first = peek();
            if (first == JsonToken.START_ARRAY) {
                insideBatchList = true;
            } else if (first == JsonToken.START_OBJECT) {
                insideRecordArray = true;
            } else {
                // an empty top-level array holds no batch; anything else is not WAL
                expect(take(), JsonToken.END_ARRAY, "a WAL record or a batch");
            }
        }
    }

    private boolean startBatch(BatchSource batchSource, int recordLimit) {
        source = batchSource;
        limit = recordLimit;
        batchOpen = true;
        batchEnded = false;
        batchNo++;
        recordNo = 0;
        changeNo = 0;
        batchFirstLsn = null;
        batchLastLsn = null;
        batchRecordsWithoutLsn = 0;
        digest.reset();
        hashed = 0;
        return true;
    }

    // ---- records and changes

    private WalChange readNextChange() throws IOException {
        while (true) {
            if (insideChangeArray) {
                JsonToken token = take();
                if (token == JsonToken.END_ARRAY) {
                    insideChangeArray = false;
                    continue;
                }
                changeNo++;
                ChangePosition position = new ChangePosition(batchNo, recordNo, changeNo);
                if (token == JsonToken.START_OBJECT) {
                    return readChange(position);
                }
                return new WalChange(position, null, null, null, List.of(), List.of(), List.of(), null,
                        "a change must be a JSON object", Map.of("value", copyValue()), recordLsn);
            }
            if (insideRecord) {
                JsonToken token = take();
                if (token == JsonToken.END_OBJECT) {
                    insideRecord = false;
                    hashing = false;
                    if (!recordHasChanges) {
                        throw notWal("record " + recordNo + " of batch " + batchNo + " has no \"change\" array");
                    }
                    if (recordLsn == null) {
                        batchRecordsWithoutLsn++;
                    }
                    continue;
                }
                String field = parser.currentName();
                JsonToken value = take();
                if ("change".equals(field)) {
                    expect(value, JsonToken.START_ARRAY, "the \"change\" array");
                    recordHasChanges = true;
                    insideChangeArray = true;
                } else if ("nextlsn".equals(field)) {
                    readRecordLsn(value);
                } else {
                    skipValue(value);
                }
                continue;
            }
            if (!startNextRecord()) {
                return null;
            }
        }
    }

    /** Positions on the next record of the batch; false when the batch has no more. */
    private boolean startNextRecord() throws IOException {
        if (recordNo >= limit) {
            return false;
        }
        JsonToken token = peek();
        switch (source) {
            case BATCH_ARRAY -> {
                if (token == JsonToken.END_ARRAY) {
                    take();
                    return false;
                }
            }
            case RECORD_ARRAY -> {
                if (token == JsonToken.END_ARRAY) {
                    return false; // openNextBatch closes the array
                }
            }
            case TOP_LEVEL_RECORDS -> {
                if (token != JsonToken.START_OBJECT) {
                    return false; // end of input, or a top-level array that is a batch of its own
                }
            }
        }
        hashing = true;
        expect(take(), JsonToken.START_OBJECT, "a WAL record (a JSON object)");
        recordNo++;
        changeNo = 0;
        insideRecord = true;
        recordHasChanges = false;
        recordLsn = null;
        return true;
    }

    private void readRecordLsn(JsonToken value) throws IOException {
        Lsn lsn = value == JsonToken.VALUE_STRING ? Lsn.parse(parser.getText()) : null;
        if (lsn == null) {
            String found = value == JsonToken.VALUE_STRING ? Json.quote(parser.getText()) : describe(value);
            throw notWal("record " + recordNo + " of batch " + batchNo + ": nextlsn " + found
                    + " is not a PostgreSQL LSN (X/Y, two hexadecimal numbers)");
        }
        recordLsn = lsn;
        if (batchFirstLsn == null || lsn.compareTo(batchFirstLsn) < 0) {
            batchFirstLsn = lsn;
        }
        if (batchLastLsn == null || lsn.compareTo(batchLastLsn) > 0) {
            batchLastLsn = lsn;
        }
    }

    private WalChange readChange(ChangePosition position) throws IOException {
        String kind = null;
        String schema = null;
        String table = null;
        List<String> names = List.of();
        List<String> types = List.of();
        List<WalValue> values = List.of();
        OldKeys oldKeys = null;
        String malformed = null;
        Map<String, String> other = new LinkedHashMap<>();
        for (JsonToken token = take(); token != JsonToken.END_OBJECT; token = take()) {
            String field = parser.currentName();
            JsonToken value = take();
            switch (field) {
                case "kind", "schema", "table" -> {
                    if (value == JsonToken.VALUE_STRING) {
                        String text = parser.getText();
                        switch (field) {
                            case "kind" -> kind = text;
                            case "schema" -> schema = text;
                            default -> table = text;
                        }
                    } else {
                        malformed = firstOf(malformed, field + " is not a string");
                        other.put(field, copyValue());
                    }
                }
                case "columnnames", "columntypes" -> {
                    if (value != JsonToken.START_ARRAY) {
                        malformed = firstOf(malformed, field + " is not an array");
                        other.put(field, copyValue());
                        continue;
                    }
                    Map<Integer, String> nonStrings = new java.util.HashMap<>();
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
                        other.put(field, copyValue());
                    }
                }
                case "oldkeys" -> {
                    if (value == JsonToken.START_OBJECT) {
                        var raw = new java.io.StringWriter();
                        try (JsonGenerator copy = Json.FACTORY.createGenerator(raw)) {
                            copy.copyCurrentEventExact(parser);
                            tee = copy;
                            oldKeys = readOldKeys();
                        } finally {
                            tee = null;
                        }
                        if (oldKeys == null) {
                            malformed = firstOf(malformed, "oldkeys does not hold keynames, keytypes and keyvalues arrays");
                            other.put(field, Json.escapeLoneSurrogates(raw.toString()));
                        }
                    } else {
                        malformed = firstOf(malformed, "oldkeys is not an object");
                        other.put(field, copyValue());
                    }
                }
                default -> other.put(field, copyValue());
            }
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
        for (JsonToken token = take(); token != JsonToken.END_ARRAY; token = take()) {
            if (token == JsonToken.VALUE_STRING) {
                strings.add(parser.getText());
            } else {
                String raw = copyValue();
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
        for (JsonToken token = take(); token != JsonToken.END_ARRAY; token = take()) {
            values.add(readValue(token));
        }
        return values;
    }

    private WalValue readValue(JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_NULL -> WalValue.NULL;
            case VALUE_TRUE -> WalValue.TRUE;
            case VALUE_FALSE -> WalValue.FALSE;
            case VALUE_STRING -> new WalValue(WalValue.Type.STRING, parser.getText());
            // getText keeps the number exactly as written: 12.3400 stays 12.3400
            case VALUE_NUMBER_INT -> new WalValue(WalValue.Type.INTEGER, parser.getText());
            case VALUE_NUMBER_FLOAT -> new WalValue(WalValue.Type.DECIMAL, parser.getText());
            case START_ARRAY -> new WalValue(WalValue.Type.ARRAY, copyValue());
            case START_OBJECT -> new WalValue(WalValue.Type.OBJECT, copyValue());
            default -> throw notWal("unexpected " + token + " among column values");
        };
    }

    private OldKeys readOldKeys() throws IOException {
        List<String> names = null;
        List<String> types = null;
        List<WalValue> values = null;
        for (JsonToken token = take(); token != JsonToken.END_OBJECT; token = take()) {
            String field = parser.currentName();
            JsonToken value = take();
            if (value != JsonToken.START_ARRAY) {
                skipValue(value);
                continue;
            }
            switch (field) {
                case "keynames" -> names = readStrings();
                case "keytypes" -> types = readStrings();
                case "keyvalues" -> values = readValues();
                default -> skipValue(value);
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

    // ---- tokens

    private JsonToken peek() throws IOException {
        if (pending == null) {
            pending = parser.nextToken();
            sawAnyToken |= pending != null;
        }
        return pending;
    }

    /** Consumes the next token, adding it to the batch hash while inside a record. */
    private JsonToken take() throws IOException {
        JsonToken token = pending != null ? pending : parser.nextToken();
        pending = null;
        sawAnyToken |= token != null;
        if (tee != null && token != null) {
            tee.copyCurrentEventExact(parser);
        }
        if (token == null && (batchOpen && !batchEnded || insideBatchList || insideRecordArray)) {
            throw notWal("the input ends in the middle of a batch");
        }
        if (hashing && token != null) {
            hash(token);
        }
        return token;
    }

    /**
     * Adds a token to the batch hash: its kind, then for names and values the length and UTF-16
     * units of its text, straight from the parser's buffer and through one reusable byte buffer.
     */
    private void hash(JsonToken token) throws IOException {
        if (hashed + 5 > hashBuffer.length) {
            flushHash();
        }
        hashBuffer[hashed++] = (byte) token.id();
        if (token != JsonToken.FIELD_NAME && !token.isScalarValue()) {
            return;
        }
        char[] chars = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        int length = parser.getTextLength();
        hashBuffer[hashed++] = (byte) (length >>> 24);
        hashBuffer[hashed++] = (byte) (length >>> 16);
        hashBuffer[hashed++] = (byte) (length >>> 8);
        hashBuffer[hashed++] = (byte) length;
        int end = offset + length;
        while (offset < end) {
            if (hashed + 2 > hashBuffer.length) {
                flushHash();
            }
            int chunk = Math.min(end - offset, (hashBuffer.length - hashed) / 2);
            for (int i = offset; i < offset + chunk; i++) {
                char unit = chars[i];
                hashBuffer[hashed++] = (byte) (unit >>> 8);
                hashBuffer[hashed++] = (byte) unit;
            }
            offset += chunk;
        }
    }

    private void flushHash() {
        digest.update(hashBuffer, 0, hashed);
        hashed = 0;
    }

    /** Consumes the rest of the value whose first token is {@code first}, hashing it. */
    private void skipValue(JsonToken first) throws IOException {
        if (first != JsonToken.START_ARRAY && first != JsonToken.START_OBJECT) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken token = take();
            if (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) {
                depth++;
            } else if (token == JsonToken.END_ARRAY || token == JsonToken.END_OBJECT) {
                depth--;
            }
        }
    }

    /** Compact JSON of the value the parser stands on, consuming (and hashing) all of it. */
    private String copyValue() throws IOException {
        var out = new java.io.StringWriter();
        try (var generator = Json.FACTORY.createGenerator(out)) {
            generator.copyCurrentEventExact(parser);
            boolean container = parser.currentToken() == JsonToken.START_ARRAY
                    || parser.currentToken() == JsonToken.START_OBJECT;
            int depth = container ? 1 : 0;
            while (depth > 0) {
                JsonToken token = take();
                generator.copyCurrentEventExact(parser);
                if (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) {
                    depth++;
                } else if (token == JsonToken.END_ARRAY || token == JsonToken.END_OBJECT) {
                    depth--;
                }
            }
        }
        return Json.escapeLoneSurrogates(out.toString());
    }

    private void expect(JsonToken actual, JsonToken expected, String what) throws WalFormatException {
        if (actual != expected) {
            throw notWal("expected " + what + ", found " + describe(actual));
        }
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the input";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case END_ARRAY -> "the end of an array";
            case END_OBJECT -> "the end of an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    private static String firstOf(String existing, String reason) {
        return existing != null ? existing : reason;
    }

    private WalFormatException notWal(String reason) {
        JsonLocation location = parser.currentTokenLocation();
        return new WalFormatException(inputName, batchOpen ? batchNo : 0,
                location.getLineNr(), location.getColumnNr(), reason, null);
    }

    private WalFormatException formatError(JsonProcessingException e) {
        JsonLocation location = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
        return new WalFormatException(inputName, batchOpen ? batchNo : batchNo + 1,
                location.getLineNr(), location.getColumnNr(), plainReason(e.getOriginalMessage()), e);
    }

    /** Jackson's message without its second location and settings: one plain reason. */
    static String plainReason(String jacksonMessage) {
        if (jacksonMessage.startsWith("Unexpected end-of-input")) {
            return "the input ends in the middle of a JSON value (truncated?)";
        }
        String reason = jacksonMessage.lines().findFirst().orElse(jacksonMessage);
        Matcher duplicate = DUPLICATE_FIELD.matcher(reason);
        if (duplicate.lookingAt()) {
            String field = duplicate.group(1) != null ? duplicate.group(1) : duplicate.group(2);
            return "the field \"" + field + "\" appears twice in one object (PostgreSQL never writes that;"
                    + " neither copy is applied)";
        }
        for (String noise : List.of(" (start marker at", " at [Source")) {
            int at = reason.indexOf(noise);
            if (at > 0) {
                reason = reason.substring(0, at);
            }
        }
        return reason;
    }
}
