package io.walmetrics.generate;

/** The three input shapes of docs/reference.md#file-shapes. */
public enum Shape {
    /** A JSON array of batches, each an array of records: the shape of data/wal.json. */
    BATCHES,
    /** One flat JSON array of records. */
    RECORDS,
    /** One record a line, as pg_recvlogical writes. */
    STREAM
}
