package io.walmetrics.wal;

/**
 * A PostgreSQL log sequence number: a position in the server's WAL, written {@code X/Y} (two
 * hexadecimal halves of a 64-bit number). wal2json's {@code nextlsn} is the position just after a
 * transaction's commit, so it grows from record to record of one server.
 *
 * <p>The whole unsigned 64-bit range is valid, {@code 0/0} to {@code FFFFFFFF/FFFFFFFF}; {@link #value()}
 * holds the 64 bits in a Java {@code long} (and in SQLite's signed integer), so a position above
 * {@code 7FFFFFFF/FFFFFFFF} is a negative {@code value()}: compare positions with {@link #compareTo}
 * and {@link #isAfter}, which compare unsigned, never with {@code <} on their values.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** Parses {@code X/Y}, each half one to eight hexadecimal digits; null when the text is not an LSN. */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 1 || slash > 8 || slash == text.length() - 1 || text.length() - slash - 1 > 8) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // Long.parseLong alone would take a sign, and digits of other scripts
            if (i != slash && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return null;
            }
        }
        long high = Long.parseLong(text.substring(0, slash), 16);
        long low = Long.parseLong(text.substring(slash + 1), 16);
        return new Lsn((high << 32) | low);
    }

    public boolean isAfter(Lsn other) {
        return other == null || compareTo(other) > 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xffff_ffffL).toUpperCase();
    }
}
