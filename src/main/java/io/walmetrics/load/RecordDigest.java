package io.walmetrics.load;

import io.walmetrics.wal.OldKeys;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The hash a record is known by at its source position (table {@code applied_record},
 * docs/reference.md#the-ledger): SHA-256 over its changes of source tables as parsed, in record
 * order, so that whatever route built the {@link WalChange}s (a file in any shape, standard input,
 * a replication stream) and whatever the record holds besides (other tables' changes, whitespace,
 * the order of a change's fields, fields wal2json adds on request) the same transaction hashes the same.
 *
 * <p>Per change: its kind, schema and table; its column names, types and values; then its
 * {@code oldkeys} (a flag, then names, types and values), then a flag for a change whose structure
 * is not a wal2json change (it is rejected). A value is its JSON kind ({@link WalValue.Type}'s name)
 * and its text. A string is its length in UTF-16 units (four bytes, big-endian; -1 for null) and
 * those units (two bytes each, big-endian: exact even for text that is not valid Unicode); a list its size, then its items. The ledgers hold these hashes: the layout must not change.
 */
final class RecordDigest {

    private final MessageDigest sha256;
    private int changes;
    private byte[] units = new byte[256];

    RecordDigest() {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException everyJavaHasIt) {
            throw new IllegalStateException(everyJavaHasIt);
        }
    }

    /** Forgets the record before. */
    void reset() {
        sha256.reset();
        changes = 0;
    }

    void add(WalChange change) {
        changes++;
        string(change.kind());
        string(change.schema());
        string(change.table());
        strings(change.columnNames());
        strings(change.columnTypes());
        values(change.columnValues());
        OldKeys oldKeys = change.oldKeys();
        sha256.update((byte) (oldKeys == null ? 0 : 1));
        if (oldKeys != null) {
            strings(oldKeys.keyNames());
            strings(oldKeys.keyTypes());
            values(oldKeys.keyValues());
        }
        sha256.update((byte) (change.malformed() == null ? 0 : 1));
    }

    /** True when no change was added since {@link #reset()}: the record has nothing to apply. */
    boolean isEmpty() {
        return changes == 0;
    }

    /** The hash of the changes added since {@link #reset()}, in hex; resets. */
    String finish() {
        String hash = HexFormat.of().formatHex(sha256.digest());
        changes = 0;
        return hash;
    }

    private void values(List<WalValue> values) {
        number(values.size());
        for (WalValue value : values) {
            string(value.type().name());
            string(value.text());
        }
    }

    private void strings(List<String> strings) {
        number(strings.size());
        for (String string : strings) {
            string(string);
        }
    }

    private void string(String text) {
        if (text == null) {
            number(-1);
            return;
        }
        int length = text.length();
        number(length);
        if (units.length < 2 * length) {
            units = new byte[Math.max(2 * length, 2 * units.length)];
        }
        for (int i = 0; i < length; i++) {
            char unit = text.charAt(i);
            units[2 * i] = (byte) (unit >>> 8);
            units[2 * i + 1] = (byte) unit;
        }
        sha256.update(units, 0, 2 * length);
    }

    private void number(int value) {
        sha256.update((byte) (value >>> 24));
        sha256.update((byte) (value >>> 16));
        sha256.update((byte) (value >>> 8));
        sha256.update((byte) value);
    }
}
