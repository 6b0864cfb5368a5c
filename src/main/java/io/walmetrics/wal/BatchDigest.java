package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hashes the ledger knows batches by (docs/reference.md#the-ledger): SHA-256 over the JSON
 * tokens of a batch's records, so that whitespace and the shape that carried them do not count,
 * and a hash chained over every batch of the input from its start.
 *
 * <p>A token adds its kind (Jackson's token id, one byte) and, for a field name or a scalar value,
 * the length of its text (four bytes, big-endian) and its UTF-16 units (two bytes each,
 * big-endian). The bytes go through one reusable buffer straight from the parser's own: nothing is
 * allocated per token. These rules fix the hash values the ledgers hold; they must not change.
 */
final class BatchDigest {

    private final MessageDigest sha256;
    private final byte[] buffer = new byte[1 << 14];
    private int buffered;
    private String batchHash;
    private String streamHash = "";

    BatchDigest() {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException everyJavaHasIt) {
            throw new IllegalStateException(everyJavaHasIt);
        }
    }

    /** Forgets the tokens of the batch before: what follows belongs to a new batch. */
    void startBatch() {
        sha256.reset();
        buffered = 0;
    }

    /** Adds the token the parser stands on. */
    void add(JsonToken token, JsonParser parser) throws IOException {
        if (buffered + 5 > buffer.length) {
            flush();
        }
        buffer[buffered++] = (byte) token.id();
        if (token != JsonToken.FIELD_NAME && !token.isScalarValue()) {
            return;
        }
        char[] chars = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        int length = parser.getTextLength();
        buffer[buffered++] = (byte) (length >>> 24);
        buffer[buffered++] = (byte) (length >>> 16);
        buffer[buffered++] = (byte) (length >>> 8);
        buffer[buffered++] = (byte) length;
        int end = offset + length;
        while (offset < end) {
            if (buffered + 2 > buffer.length) {
                flush();
            }
            int chunk = Math.min(end - offset, (buffer.length - buffered) / 2);
            for (int i = offset; i < offset + chunk; i++) {
                char unit = chars[i];
                buffer[buffered++] = (byte) (unit >>> 8);
                buffer[buffered++] = (byte) unit;
            }
            offset += chunk;
        }
    }

    /**
     * Closes the batch: its hash is that of the tokens added since {@link #startBatch()}, and the
     * stream hash becomes SHA-256 of the previous stream hash's hex followed by this batch's.
     */
    void endBatch() {
        flush();
        batchHash = HexFormat.of().formatHex(sha256.digest());
        sha256.update((streamHash + batchHash).getBytes(StandardCharsets.UTF_8));
        streamHash = HexFormat.of().formatHex(sha256.digest());
    }

    /** The hash of the batch last ended, in hex; null before the first. */
    String batchHash() {
        return batchHash;
    }

    /** The chained hash as of the batch last ended, in hex; empty before the first. */
    String streamHash() {
        return streamHash;
    }

    private void flush() {
        sha256.update(buffer, 0, buffered);
        buffered = 0;
    }
}
