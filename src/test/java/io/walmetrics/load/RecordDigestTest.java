package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.walmetrics.wal.ChangePosition;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.OldKeys;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalReader;
import io.walmetrics.wal.WalValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A record is hashed over its changes as parsed, so a change a replication adapter builds itself
 * hashes as the same change read from wal2json's text, and only what is applied counts.
 */
class RecordDigestTest {

    private static final String UPDATE = "{\"kind\":\"update\",\"schema\":\"public\",\"table\":\"transaction\","
            + "\"columnnames\":[\"transaction_id\",\"amount\",\"note\",\"paid\"],"
            + "\"columntypes\":[\"uuid\",\"integer\",\"text\",\"boolean\"],"
            + "\"columnvalues\":[\"7d0c6e0e-9b55-4c1a-8f55-2f1f1c9f0b11\",12,null,true],"
            + "\"oldkeys\":{\"keynames\":[\"transaction_id\"],\"keytypes\":[\"uuid\"],"
            + "\"keyvalues\":[\"7d0c6e0e-9b55-4c1a-8f55-2f1f1c9f0b10\"]}}";

    private static WalChange built(WalValue amount, OldKeys oldKeys) {
        return new WalChange(new ChangePosition(1, 1, 1), "update", "public", "transaction",
                List.of("transaction_id", "amount", "note", "paid"), List.of("uuid", "integer", "text", "boolean"),
                List.of(new WalValue(WalValue.Type.STRING, "7d0c6e0e-9b55-4c1a-8f55-2f1f1c9f0b11"), amount,
                        WalValue.NULL, WalValue.TRUE),
                oldKeys, null, Map.of(), Lsn.parse("0/10"));
    }

    private static final OldKeys OLD_KEYS = new OldKeys(List.of("transaction_id"), List.of("uuid"),
            List.of(new WalValue(WalValue.Type.STRING, "7d0c6e0e-9b55-4c1a-8f55-2f1f1c9f0b10")));

    @Test
    void a_change_built_directly_hashes_as_the_same_change_read_from_text() throws IOException {
        String direct = hash(List.of(built(new WalValue(WalValue.Type.INTEGER, "12"), OLD_KEYS)));

        assertEquals(direct, hash(read(UPDATE)));
        // wal2json's optional fields (include-pk) are not applied, so they do not count
        assertEquals(direct, hash(read(UPDATE.replace("\"oldkeys\"", "\"pk\":{\"pknames\":[\"transaction_id\"]},\"oldkeys\""))));
    }

    @Test
    void a_value_of_another_json_kind_or_other_old_keys_is_another_change() throws IOException {
        String direct = hash(List.of(built(new WalValue(WalValue.Type.INTEGER, "12"), OLD_KEYS)));

        assertNotEquals(direct, hash(List.of(built(new WalValue(WalValue.Type.STRING, "12"), OLD_KEYS))));
        assertNotEquals(direct, hash(List.of(built(new WalValue(WalValue.Type.DECIMAL, "12.0"), OLD_KEYS))));
        assertNotEquals(direct, hash(List.of(built(new WalValue(WalValue.Type.INTEGER, "12"), null))));
        assertNotEquals(direct, hash(read(UPDATE.replace("\"keyvalues\":[\"7d0c6e0e-9b55-4c1a-8f55-2f1f1c9f0b10\"]",
                "\"keyvalues\":[\"7d0c6e0e-9b55-4c1a-8f55-2f1f1c9f0b12\"]"))));
        WalChange one = built(new WalValue(WalValue.Type.INTEGER, "12"), OLD_KEYS);
        assertNotEquals(hash(List.of(one, one)), direct, "two changes are not one");
    }

    private static String hash(List<WalChange> changes) {
        RecordDigest digest = new RecordDigest();
        changes.forEach(digest::add);
        return digest.finish();
    }

    private static List<WalChange> read(String change) throws IOException {
        String record = "{\"xid\":5,\"nextlsn\":\"0/10\",\"change\":[" + change + "]}";
        List<WalChange> changes = new ArrayList<>();
        try (WalReader reader = new WalReader(new ByteArrayInputStream(record.getBytes(StandardCharsets.UTF_8)), "t", null)) {
            while (reader.nextBatch()) {
                for (WalChange c = reader.nextChange(); c != null; c = reader.nextChange()) {
                    changes.add(c);
                }
            }
        }
        return changes;
    }
}
