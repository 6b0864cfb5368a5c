package io.walmetrics.schema;

/** A table name wal2json may write, the source it feeds, and what its key column is called there. */
public record WalTableMapping(String walTable, SourceTable source, String walKeyColumn) {

    /**
     * The source column a column of this WAL table lands in, or null for a column the migrations
     * do not know. Only the key may be named differently; a WAL column that happens to carry the
     * source's key name without being this table's key (an "id" in event_v2_data) is unknown.
     */
    public SourceColumn sourceColumn(String walColumn) {
        if (walColumn.equals(walKeyColumn)) {
            return source.column(source.keyColumn());
        }
        if (walColumn.equals(source.keyColumn())) {
            return null;
        }
        return source.column(walColumn);
    }
}
