package io.walmetrics.wal;

/**
 * A PostgreSQL log sequence number: a position in the server's WAL, written {@code X/Y} (two
 * hexadecimal halves of a 64-bit number). wal2json's {@code nextlsn} is the position just after a
 * transaction's commit, so it grows from record to record of one server, whatever input carries them.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** Parses {@code X/Y}; null when the text is not an LSN. */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 1 || slash > 8 || slash == text.length() - 1 || text.length() - slash - 1 > 8) {
            return null;
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            if (high < 0 || low < 0 || high > 0x7fff_ffffL) {
                return null; // beyond 2^63 a position cannot be kept in SQLite's signed integers
            }
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public boolean isAfter(Lsn other) {
        return other == null || value > other.value;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xffff_ffffL).toUpperCase();
    }
}
