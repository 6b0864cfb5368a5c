package io.walmetrics.schema;

/** A table name wal2json may write, the source it feeds, and what its key column is called there. */
public record WalTableMapping(String walTable, SourceTable source, String walKeyColumn) {

    /** The source's name for a column of this WAL table: only the key column may differ. */
    public String sourceColumnName(String walColumn) {
        return walColumn.equals(walKeyColumn) ? source.keyColumn() : walColumn;
    }
}
