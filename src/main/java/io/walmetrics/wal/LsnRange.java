package io.walmetrics.wal;

/**
 * The source positions a batch's records carry.
 *
 * @param first          the lowest {@code nextlsn} among them
 * @param last           the highest
 * @param everyRecord    true when every record of the batch carried one
 */
public record LsnRange(Lsn first, Lsn last, boolean everyRecord) {
}
