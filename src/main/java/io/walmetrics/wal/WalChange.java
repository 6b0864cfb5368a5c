package io.walmetrics.wal;

import java.util.List;
import java.util.Map;

/**
 * One element of a WAL record's {@code change} array, parsed once. Everything downstream takes
 * this record; nobody re-reads the JSON.
 *
 * @param position    where the change stands in its input
 * @param kind        {@code insert}, {@code update}, {@code delete}, {@code truncate} (no columns, no
 *                    oldkeys), or another kind wal2json writes
 * @param oldKeys     null when the change has no {@code oldkeys}
 * @param malformed   null for a well-formed change, else why its structure is not a wal2json change
 * @param otherFields fields wal2json does not define, or defined fields of the wrong shape,
 *                    as compact JSON text, so that a rejected change can be kept whole
 * @param recordLsn   the {@code nextlsn} of the record holding the change, when the record carries
 *                    one ahead of its {@code change} array (as wal2json writes it), else null
 */
public record WalChange(
        ChangePosition position,
        String kind,
        String schema,
        String table,
        List<String> columnNames,
        List<String> columnTypes,
        List<WalValue> columnValues,
        OldKeys oldKeys,
        String malformed,
        Map<String, String> otherFields,
        Lsn recordLsn) {

    /** The kind of a TRUNCATE of {@link #table()}: it names the table and carries no row (docs/reference.md#records). */
    public static final String TRUNCATE = "truncate";

    /** Why a truncate that carries columns or oldkeys is rejected. */
    public static final String TRUNCATE_WITH_ROW = "a truncate carries no columnnames, columntypes, columnvalues or oldkeys";

    public WalChange {
        columnNames = List.copyOf(columnNames);
        columnTypes = List.copyOf(columnTypes);
        columnValues = List.copyOf(columnValues);
        // in the order they came: a rejected change keeps its fields as written
        otherFields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(otherFields));
    }

    /** The change written back as one line of JSON (whitespace aside, as it was read). */
    public String toJson() {
        return Json.writeChange(this);
    }
}
