package io.walmetrics.load;

import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.WalChange;
import java.util.function.Predicate;

/**
 * The LSN rule of the ledger (docs/reference.md#the-ledger), record by record: a record at a source
 * position (its {@code nextlsn}) applied before is skipped only when it brings the same changes of
 * source tables ({@link RecordDigest}); one at an applied position with other changes, or at a
 * position never applied but at or below the highest applied, refuses the input; positions grow
 * within an input. The hash of every record applied is kept in the batch's own transaction.
 *
 * <p>Use, inside the group's write transaction: {@link #startGroup()}, then per batch
 * {@link #startBatch}, {@link #judge} for every change in input order, {@link #finishBatch()}, and
 * {@link #keepBatch()} once the batch is kept (an undone batch's hashes go with its savepoint).
 */
final class LsnRule {

    /** What to do with a change. */
    enum Verdict { LAND, SKIP }

    /** What the ledger says of the position of the record in hand. */
    private enum Standing {
        /** The record has no position: the other rules decide. */
        NO_POSITION,
        /** After every applied position (or --reprocess): it applies, and its hash is kept. */
        NEW,
        /** A record was applied here: this one is skipped if it is the same, else refused. */
        APPLIED,
        /** At or below what a database applied before record hashes were kept: applied already. */
        APPLIED_WITHOUT_HASH,
        /** Never applied, though later positions were: only a record with nothing to apply may be here. */
        NEVER_APPLIED
    }

    private final BatchLedger ledger;
    /** The lander's own answer: whether it lands or rejects a change, rather than ignoring it. */
    private final Predicate<WalChange> counts;
    private final String inputName;
    private final boolean reprocess;
    private final RecordDigest digest = new RecordDigest();

    /** The input's last record with a position so far, and where it stood. */
    private Lsn previous;
    private int previousBatchNo;
    private int previousRecordNo;

    /** The highest position of a record with a hash, as committed batches of the group leave it. */
    private Lsn highest;
    private Lsn withoutHashesUpTo;
    /** As the batch in hand leaves it. */
    private Lsn batchHighest;
    private long batchId;
    private boolean batchLands;
    private long batchSkipped;

    private int recordNo;
    private int recordBatchNo;
    private Lsn recordLsn;
    private Standing standing;
    private String appliedHash;

    LsnRule(BatchLedger ledger, Predicate<WalChange> counts, String inputName, boolean reprocess) {
        this.ledger = ledger;
        this.counts = counts;
        this.inputName = inputName;
        this.reprocess = reprocess;
    }

    /** Reads the ledger; the group holds the write lock, so it changes only by this group from now on. */
    void startGroup() {
        highest = ledger.highestRecordPosition().orElse(null);
        withoutHashesUpTo = ledger.positionsWithoutHashesUpTo().orElse(null);
    }

    void startBatch(long batchId) {
        this.batchId = batchId;
        batchHighest = highest;
        batchLands = false;
        batchSkipped = 0;
        standing = null;
        recordNo = 0;
    }

    /**
     * Judges the next change of the batch.
     *
     * @throws SourcePositionException when its record refuses the input
     */
    Verdict judge(WalChange change) {
        if (standing == null || change.position().recordNo() != recordNo) {
            finishRecord();
            startRecord(change);
        }
        boolean counts = this.counts.test(change);
        switch (standing) {
            case NO_POSITION -> {
                batchLands = true;
                return Verdict.LAND;
            }
            case NEW -> {
                batchLands = true;
                if (counts) {
                    digest.add(change);
                }
                return Verdict.LAND;
            }
            case APPLIED -> {
                if (counts) {
                    digest.add(change);
                }
                batchSkipped++;
                return Verdict.SKIP;
            }
            case APPLIED_WITHOUT_HASH -> {
                batchSkipped++;
                return Verdict.SKIP;
            }
            default -> {
                if (counts) {
                    throw SourcePositionException.neverApplied(inputName, recordBatchNo, recordNo, recordLsn, batchHighest,
                            ledger.positionApplication(batchHighest).orElse(null));
                }
                // another table's change: the lander ignores it
                return Verdict.LAND;
            }
        }
    }

    /**
     * Judges the batch's last record. True when the batch landed something or may: a record without
     * a position or at a new one; false when every record was applied before or has nothing to apply.
     *
     * @throws SourcePositionException when its last record refuses the input
     */
    boolean finishBatch() {
        finishRecord();
        return batchLands;
    }

    /** Changes skipped in the batch in hand because their record was applied before. */
    long batchSkipped() {
        return batchSkipped;
    }

    /** The batch is kept: the positions it applied are the group's. */
    void keepBatch() {
        highest = batchHighest;
    }

    private void startRecord(WalChange change) {
        recordNo = change.position().recordNo();
        recordBatchNo = change.position().batchNo();
        recordLsn = change.recordLsn();
        appliedHash = null;
        digest.reset();
        if (recordLsn == null) {
            standing = Standing.NO_POSITION;
            return;
        }
        // for a source the BatchFramer does not read (follow's SlotBatch); a file's framer refuses it first
        if (previous != null && !recordLsn.isAfter(previous)) {
            throw SourcePositionException.backwards(inputName, recordBatchNo, recordNo, recordLsn,
                    previousBatchNo, previousRecordNo, previous);
        }
        previous = recordLsn;
        previousBatchNo = recordBatchNo;
        previousRecordNo = recordNo;
        if (reprocess || recordLsn.isAfter(batchHighest)) {
            standing = Standing.NEW;
            return;
        }
        appliedHash = ledger.recordHash(recordLsn).orElse(null);
        if (appliedHash != null) {
            standing = Standing.APPLIED;
        } else if (withoutHashesUpTo != null && !recordLsn.isAfter(withoutHashesUpTo)) {
            standing = Standing.APPLIED_WITHOUT_HASH;
        } else {
            standing = Standing.NEVER_APPLIED;
        }
    }

    private void finishRecord() {
        if (standing == Standing.NEW && !digest.isEmpty()) {
            ledger.keepRecordHash(recordLsn, digest.finish(), batchId, recordNo);
            if (recordLsn.isAfter(batchHighest)) {
                batchHighest = recordLsn;
            }
        } else if (standing == Standing.APPLIED && !digest.isEmpty() && !digest.finish().equals(appliedHash)) {
            throw SourcePositionException.appliedWithOtherChanges(inputName, recordBatchNo, recordNo, recordLsn,
                    ledger.recordApplication(recordLsn).orElse(null));
        }
        standing = null;
    }

}
