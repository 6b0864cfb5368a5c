package io.walmetrics.wal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The batch digest against the byte layout its documentation states, computed here without it. */
class BatchDigestTest {

    /** Every token of {@code json} added to a digest of its own batch; the batch hash. */
    private static String hashOf(BatchDigest digest, String json) throws IOException {
        digest.startBatch();
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                digest.add(token, parser);
            }
        }
        digest.endBatch();
        return digest.batchHash();
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A token with text: its id, the text's length in four big-endian bytes, its UTF-16 units big-endian. */
    private static void text(ByteArrayOutputStream bytes, JsonToken token, String text) {
        bytes.write(token.id());
        int length = text.length();
        bytes.write(length >>> 24);
        bytes.write(length >>> 16);
        bytes.write(length >>> 8);
        bytes.write(length);
        for (char unit : text.toCharArray()) {
            bytes.write(unit >>> 8);
            bytes.write(unit);
        }
    }

    @Test
    void hashes_each_token_kind_then_the_length_and_utf16_units_of_its_text() throws IOException, NoSuchAlgorithmException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(JsonToken.START_OBJECT.id());
        text(expected, JsonToken.FIELD_NAME, "a");
        text(expected, JsonToken.VALUE_STRING, "é😀");
        text(expected, JsonToken.FIELD_NAME, "n");
        expected.write(JsonToken.START_ARRAY.id());
        text(expected, JsonToken.VALUE_NUMBER_FLOAT, "12.3400");
        text(expected, JsonToken.VALUE_NULL, "null");
        expected.write(JsonToken.END_ARRAY.id());
        expected.write(JsonToken.END_OBJECT.id());

        assertEquals(sha256(expected.toByteArray()), hashOf(new BatchDigest(), "{\"a\": \"\\u00e9😀\", \"n\": [12.3400, null]}"));
    }

    @Test
    void a_text_longer_than_its_buffer_hashes_as_if_unbuffered() throws IOException, NoSuchAlgorithmException {
        String longText = "x".repeat(50_000) + "é";
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(JsonToken.START_ARRAY.id());
        for (int i = 0; i < 3; i++) {
            text(expected, JsonToken.VALUE_STRING, longText);
        }
        expected.write(JsonToken.END_ARRAY.id());

        assertEquals(sha256(expected.toByteArray()), hashOf(new BatchDigest(), "[" + String.join(",", java.util.Collections.nCopies(3, Json.quote(longText))) + "]"));
    }

    @Test
    void the_stream_hash_chains_the_hex_of_the_one_before_and_of_each_batch() throws IOException, NoSuchAlgorithmException {
        BatchDigest digest = new BatchDigest();
        String first = hashOf(digest, "[1]");
        String afterFirst = digest.streamHash();
        String second = hashOf(digest, "[2]");

        assertEquals(sha256(first.getBytes(UTF_8)), afterFirst);
        assertEquals(sha256((afterFirst + second).getBytes(UTF_8)), digest.streamHash());
        assertEquals(hashOf(new BatchDigest(), "[2]"), second, "a batch's hash owes nothing to the batches before it");
    }
}
