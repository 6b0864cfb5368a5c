package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringWriter;

/**
 * The parser's tokens as the reader consumes them, with one token of look-ahead. A token is
 * consumed once, by {@link #take()}: then, while {@link #hashing(boolean) hashing} is on, it is
 * added to the batch digest, and while a {@link #startCopy() copy} is open it is written to it too.
 */
final class WalTokens implements Closeable {

    private final JsonParser parser;
    private final BatchDigest digest;

    /** A token read ahead and not yet consumed (and so not yet hashed). */
    private JsonToken pending;
    private boolean hashing;
    private boolean sawAnyToken;
    /** While set, every token consumed is also copied here, to keep a value whole as it is read. */
    private JsonGenerator copy;

    WalTokens(JsonParser parser, BatchDigest digest) {
        this.parser = parser;
        this.digest = digest;
    }

    /** The next token, left to be consumed; null at the end of the input. */
    JsonToken peek() throws IOException {
        if (pending == null) {
            pending = parser.nextToken();
            sawAnyToken |= pending != null;
        }
        return pending;
    }

    /**
     * Consumes the next token. Every caller expects one: the end of the input where a token is
     * taken (rather than peeked at) is the input ending in the middle of a batch.
     */
    JsonToken take() throws IOException {
        JsonToken token = pending != null ? pending : parser.nextToken();
        pending = null;
        if (token == null) {
            throw problem("the input ends in the middle of a batch");
        }
        sawAnyToken = true;
        if (copy != null) {
            copy.copyCurrentEventExact(parser);
        }
        if (hashing) {
            digest.add(token, parser);
        }
        return token;
    }

    /** Whether the tokens taken from now on belong to the batch hash (those inside a record do). */
    void hashing(boolean on) {
        hashing = on;
    }

    /** The text of the token just taken: a string's decoded content, a number exactly as written. */
    String text() throws IOException {
        return parser.getText();
    }

    /** The name of the field whose name or value was just taken. */
    String fieldName() throws IOException {
        return parser.currentName();
    }

    /** Consumes the rest of the value whose first token is {@code first}, hashing it. */
    void skipValue(JsonToken first) throws IOException {
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

    /** Compact JSON of the value whose first token was just taken, consuming (and hashing) all of it. */
    String copyValue() throws IOException {
        return Json.copyValue(parser, this::take);
    }

    /** The column value whose first token was just taken, consuming (and hashing) all of it; null for none. */
    WalValue columnValue(JsonToken first) throws IOException {
        return Json.columnValue(first, parser, this::take);
    }

    /**
     * Starts copying, from the token just taken, every token taken until {@link #endCopy()}: for a
     * value that is parsed as it is read and may still be needed whole.
     *
     * @return where the copy is written, as compact JSON
     */
    StringWriter startCopy() throws IOException {
        StringWriter out = new StringWriter();
        copy = Json.FACTORY.createGenerator(out);
        copy.copyCurrentEventExact(parser);
        return out;
    }

    void endCopy() throws IOException {
        try {
            copy.close();
        } finally {
            copy = null;
        }
    }

    /** JSON that is not WAL, found at the token just taken. */
    NotWalException problem(String reason) {
        return new NotWalException(reason, parser.currentTokenLocation());
    }

    /** Where the parser stands (for a Jackson error that does not say). */
    JsonLocation location() {
        return parser.currentLocation();
    }

    /** Bytes or characters consumed so far. */
    long offset() {
        JsonLocation location = parser.currentLocation();
        return Math.max(location.getByteOffset(), location.getCharOffset());
    }

    boolean sawAnyToken() {
        return sawAnyToken;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
