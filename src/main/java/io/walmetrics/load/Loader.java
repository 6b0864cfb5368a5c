package io.walmetrics.load;

import io.walmetrics.load.Phases.Phase;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.staging.ChangeLander;
import io.walmetrics.staging.LandedBatch;
import io.walmetrics.transform.GroupFold;
import io.walmetrics.transform.MetricsTransform;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.LsnRange;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalFormatException;
import io.walmetrics.wal.BatchSource;
import io.walmetrics.wal.PrefetchingBatchSource;
import io.walmetrics.wal.WalReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a WAL input to the database batch by batch. Consecutive batches of a file form a group
 * that shares one SQLite transaction: each batch is judged by the ledger, landed (with its rejects)
 * and recorded in a savepoint of its own, so a batch to skip or one that fails leaves the others
 * untouched; then the group's landed changes are folded into current state set-based
 * ({@link GroupFold}), the metrics they affect are derived once, and all of it commits together or
 * not at all. Standard input, and a run told of each batch, commit every batch as it arrives: a
 * group of one.
 */
public final class Loader {

    private static final Logger LOG = LoggerFactory.getLogger(Loader.class);

    /** A batch up to this many changes is read before its transaction starts; a larger one streams. */
    private static final int BUFFERED_CHANGES = 10_000;
    private static final int GROUP_MAX_BATCHES = 100_000;
    private static final long GROUP_MAX_CHANGES = 50_000;
    private static final long GROUP_MAX_NANOS = 1_000_000_000L;

    /** The write-ahead log may grow to this many pages (of 4 KB) before a new group waits for its copy. */
    private static final long MAX_LOG_PAGES = 65_536;

    private final Jdbi jdbi;

    public Loader(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Applies every batch of the input not applied before.
     *
     * @throws LoadFailedException on an error in the input or the database: the batches before it
     *                             are committed, the batch in hand applied nothing
     */
    public LoadReport load(WalInput input, LoadOptions options) throws LoadFailedException {
        long started = System.nanoTime();
        BatchSource reader;
        try {
            reader = source(input, options);
        } catch (IOException opening) {
            throw new LoadFailedException(LoadReport.nothing(started), null, opening);
        }
        return load(reader, input, input::ledgerName, options, started);
    }

    /**
     * Applies the batches of a source that is ready to read (follow's replication stream), as
     * {@link #load(WalInput, LoadOptions)} applies a file's. The ledger name is asked for when a
     * batch is recorded, once the batch has been read to its end; asked before (a batch too large
     * to read ahead), it must be a name no batch was recorded under.
     *
     * @param displayName what messages call the input
     * @param ledgerName  what the ledger remembers the batch in hand by
     */
    public LoadReport load(BatchSource source, String displayName, Supplier<String> ledgerName, LoadOptions options)
            throws LoadFailedException {
        return load(source, new WalInput(displayName, displayName, InputStream.nullInputStream()), ledgerName, options,
                System.nanoTime());
    }

    private LoadReport load(BatchSource source, WalInput input, Supplier<String> ledgerName, LoadOptions options,
                            long started) throws LoadFailedException {
        try (BatchSource reader = source;
             Handle handle = jdbi.open();
             Run run = new Run(jdbi, handle, input, ledgerName, options, reader)) {
            boolean ended = false;
            try {
                // a stop is honoured only before a batch that exists: a stop after the last batch
                // leaves nothing unread, and the load ends as one without a stop
                boolean stopped = false;
                while (!ended && !stopped) {
                    ended = !run.nextBatch();
                    stopped = !ended && options.isStopRequested();
                    if (!ended && !stopped) {
                        run.batchesRead++;
                        run.apply();
                    }
                }
                run.commitGroup();
                if (ended && reader.wasEmpty() && !input.isStdin()) {
                    throw new WalFormatException(input.displayName(), 0, 1, 1, "the file is empty: no WAL records", null);
                }
            } catch (IOException | RuntimeException e) {
                NotApplied notApplied = run.commitGroupAfterFailure(e);
                throw new LoadFailedException(run.report(started, false), notApplied, e);
            }
            return run.report(started, ended);
        } catch (IOException closing) {
            throw new LoadFailedException(LoadReport.nothing(started), null, closing);
        }
    }

    /**
     * A file is parsed on a thread of its own, so that reading overlaps the SQLite work on a second
     * core; standard input is read where it is applied, a batch as it arrives.
     */
    private static BatchSource source(WalInput input, LoadOptions options) throws IOException {
        WalReader reader = new WalReader(input.stream(), input.displayName(), options.batchSize());
        return input.isStdin() ? reader : new PrefetchingBatchSource(reader);
    }

    /** What became of a batch. */
    private enum Outcome {
        APPLIED,
        /** Applied before: at this position of this input, or every record at a source position applied before. */
        ALREADY_APPLIED,
        /** Its content was applied from another input (and it carries no source positions). */
        DUPLICATE
    }

    /** The state of one load: what it reads, where it writes, what it has counted. */
    private static final class Run implements AutoCloseable {

        private final Handle handle;
        private final WalInput input;
        private final Supplier<String> ledgerName;
        private final LoadOptions options;
        private final BatchSource reader;
        private final BatchLedger ledger;
        private final WriteTransaction transaction;
        private final ChangeLander lander;
        private final MetricsTransform transform;
        private final GroupFold fold;
        private final LsnRule lsnRule;
        /**
         * Copies the log into the database while the next group lands, and after a batch that commits
         * alone (watch, follow, standard input), so that no commit waits for a checkpoint: SQLite's own
         * one, inline in every fifteenth minute batch, was the p95 of the every-minute path.
         */
        private final Checkpointer checkpointer;
        private final Phases phases = new Phases();
        /** The ledger's last batch before this run: standard input of earlier runs is another stream. */
        private final long lastBatchIdBeforeRun;

        private boolean groupOpen;
        private long groupStarted;
        private int groupBatches;
        private long groupChanges;
        /** The first batch of the open transaction; it and those after are not committed yet. */
        private int groupFirstBatchNo;
        /** The group's landed changes to fold: change_seq after the first, up to the second. */
        private long groupAfterSeq;
        private long groupUpToSeq;
        /** The ledger's last batch and highest source position of a batch, as this group has left them. */
        private BatchLedger.Last groupLast;
        private Lsn groupHighestLsn;
        /** The last batch the group applied, which stamps the metrics it derives; 0 for none. */
        private long groupLastBatchId;

        private int batchesRead;
        /** What is committed; {@link #group} is what the open transaction holds. */
        private final Tally committed = new Tally();
        private Tally group = new Tally();

        /** Per batch: the changes read. */
        private long batchChangesRead;
        private BatchLedger.Application duplicateOf;

        Run(Jdbi jdbi, Handle handle, WalInput input, Supplier<String> ledgerName, LoadOptions options, BatchSource reader) {
            this.handle = handle;
            this.input = input;
            this.ledgerName = ledgerName;
            this.options = options;
            this.reader = reader;
            this.ledger = new BatchLedger(handle);
            this.transaction = new WriteTransaction(handle);
            // the source schema, decided once for the run: a --schema the database was not followed with stops it here
            SourceCatalog catalog = SourceCatalog.load(handle, options.sourceSchema());
            this.lander = new ChangeLander(handle, catalog);
            this.transform = new MetricsTransform(handle);
            this.fold = new GroupFold(handle, catalog);
            this.lsnRule = new LsnRule(ledger, lander::landsOrRejects, input.displayName(), options.reprocess());
            handle.execute("pragma wal_autocheckpoint = 0");
            this.checkpointer = new Checkpointer(jdbi);
            this.lastBatchIdBeforeRun = ledger.last().batchId();
        }

        @Override
        public void close() {
            lander.close();
            transform.close();
            fold.close();
            checkpointer.close();
            // SQLite's own checkpoint again, at its default threshold, for whoever uses the connection next
            handle.execute("pragma wal_autocheckpoint = " + Checkpointer.SQLITE_AUTOCHECKPOINT_PAGES);
            transaction.close();
            ledger.close();
        }

        /** Moves the reader to the next batch; the wait for the reader thread counts as reading. */
        boolean nextBatch() throws IOException {
            phases.switchTo(Phase.READ);
            return reader.nextBatch();
        }

        void apply() throws IOException {
            // Read a batch of ordinary size before taking the write lock, so a slow producer
            // does not hold other loaders up; a huge batch streams inside its transaction.
            long batchStarted = System.nanoTime();
            List<WalChange> buffered = new ArrayList<>();
            WalChange change = null;
            phases.switchTo(Phase.READ);
            while (buffered.size() < BUFFERED_CHANGES && (change = reader.nextChange()) != null) {
                buffered.add(change);
            }
            boolean complete = change == null;

            phases.switchTo(Phase.COMMIT);
            if (!groupOpen) {
                phases.switchTo(Phase.LOG_WAIT);
                awaitCheckpoint();
                phases.switchTo(Phase.COMMIT);
                transaction.begin();
                groupOpen = true;
                groupStarted = System.nanoTime();
                groupBatches = 0;
                groupChanges = 0;
                groupFirstBatchNo = reader.batchNo();
                // the group holds the write lock: what the ledger says now changes only by this group
                groupLast = ledger.last();
                groupHighestLsn = ledger.highestLsn().orElse(null);
                lsnRule.startGroup();
                groupAfterSeq = groupLast.changeSeq();
                groupUpToSeq = groupAfterSeq;
                groupLastBatchId = 0;
            }
            // each batch is a savepoint of its own: a batch to skip, or one that fails, leaves
            // the batches before it in the group untouched
            transaction.startBatch();
            Outcome outcome;
            try {
                outcome = applyInTransaction(buffered, complete);
                if (outcome == Outcome.APPLIED) {
                    transaction.keepBatch();
                    groupBatches++;
                } else {
                    transaction.undoBatch();
                    if (outcome == Outcome.DUPLICATE) {
                        group.duplicate(reader.batchNo(), duplicateOf);
                    } else {
                        group.batchesSkipped++;
                    }
                }
            } catch (RuntimeException | IOException e) {
                try {
                    transaction.undoBatch();
                } catch (RuntimeException transactionGone) {
                    e.addSuppressed(transactionGone);
                }
                throw e;
            }
            if (groupIsDue()) {
                commitGroup();
            }
            if (options.listener() != null) {
                options.listener().batchDone(reader.batchNo(), outcome == Outcome.APPLIED, System.nanoTime() - batchStarted);
            }
            if (options.progress() != null) {
                options.progress().progress(batchesRead, committed.changes() + group.changes(), reader.offset());
            }
        }

        /**
         * Consecutive batches of a file form a group, up to a size and an age (or the number a test
         * forces), so a backfill pays one fold, one metric step and one commit for many minutes of
         * WAL. Each batch keeps its own ledger entry. The tables end as if the batches were applied one
         * by one; a metric's stamp is the group's last batch. Standard input commits every batch as it
         * arrives: the next may be a minute away.
         */
        private boolean groupIsDue() {
            if (input.isStdin() || options.commitsEachBatch()) {
                return true;
            }
            if (options.groupBatches() != null) {
                return groupBatches >= options.groupBatches();
            }
            return groupBatches >= GROUP_MAX_BATCHES
                    || groupChanges >= GROUP_MAX_CHANGES
                    || System.nanoTime() - groupStarted >= GROUP_MAX_NANOS;
        }

        void commitGroup() {
            if (groupOpen) {
                if (groupLastBatchId > 0) {
                    foldAndDeriveMetrics();
                }
                phases.switchTo(Phase.COMMIT);
                transaction.commit();
                groupOpen = false;
                checkpointer.request();
                committed.add(group);
                group = new Tally();
            }
        }

        private void awaitCheckpoint() throws IOException {
            try {
                checkpointer.awaitBelow(MAX_LOG_PAGES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the log was copied into the database");
            }
        }

        /**
         * The group's landed changes into current state, then every metric they affect, stamped
         * with the group's last batch: a change is never stamped with a batch before its own.
         */
        private void foldAndDeriveMetrics() {
            phases.switchTo(Phase.FOLD);
            fold.fold(groupAfterSeq, groupUpToSeq);
            phases.switchTo(Phase.METRICS);
            MetricsTransform.MetricChanges metrics = transform.apply(groupLastBatchId);
            ledger.recordMetrics(groupLastBatchId, metrics.upserted(), metrics.deleted());
            group.metrics(metrics);
        }

        /**
         * After a failure, the batches of the group before it are kept when they can be committed
         * (the failed one already rolled back); when the commit fails too (a full disk), the whole
         * group is rolled back and counts for nothing. Returns the batches that were not applied.
         */
        NotApplied commitGroupAfterFailure(Exception failure) {
            int failedBatchNo = reader.batchNo();
            if (!groupOpen) {
                return failedBatchNo == 0 ? null : new NotApplied(input.displayName(), failedBatchNo, failedBatchNo);
            }
            int firstNotCommitted = groupFirstBatchNo;
            try {
                commitGroup();
                firstNotCommitted = failedBatchNo;
            } catch (RuntimeException commitFailed) {
                failure.addSuppressed(commitFailed);
                try {
                    transaction.rollback();
                } catch (RuntimeException alreadyRolledBack) {
                    failure.addSuppressed(alreadyRolledBack);
                }
                groupOpen = false;
                group = new Tally();
            }
            return new NotApplied(input.displayName(), firstNotCommitted, Math.max(firstNotCommitted, failedBatchNo));
        }

        /** Lands, folds and transforms the batch and records it, unless it is to be skipped. */
        private Outcome applyInTransaction(List<WalChange> buffered, boolean complete) throws IOException {
            if (alreadyAppliedByPosition(complete)) {
                return Outcome.ALREADY_APPLIED;
            }
            batchChangesRead = buffered.size();
            if (complete) {
                // the whole batch is read, so the rules that need all of it judge before anything lands
                Outcome early = judgeWholeBatch();
                if (early != null) {
                    group.changesSkippedByLsn += early == Outcome.ALREADY_APPLIED ? atAppliedPositions(buffered) : 0;
                    return early;
                }
            }
            long batchId = groupLast.batchId() + 1;
            lander.startBatch(batchId, groupLast.changeSeq());
            // read inside the write transaction: another loader may have applied more meanwhile
            lsnRule.startBatch(batchId);
            for (WalChange change : buffered) {
                judgeAndLand(change);
            }
            buffered.clear();
            for (WalChange change = nextChange(); change != null; change = nextChange()) {
                batchChangesRead++;
                judgeAndLand(change);
            }
            boolean lands = lsnRule.finishBatch();
            LsnRange positions = reader.batchLsnRange();
            if (!lands && !options.reprocess() && positions != null && positions.everyRecord()
                    && groupHighestLsn != null && !positions.last().isAfter(groupHighestLsn)) {
                // every record applied before (or with nothing to apply): what it landed is rolled back
                group.changesSkippedByLsn += lsnRule.batchSkipped();
                return Outcome.ALREADY_APPLIED;
            }
            if (!complete) {
                // a batch too large to hold is judged once read; what it landed is rolled back
                Outcome late = judgeWholeBatch();
                if (late != null) {
                    return late;
                }
            }
            String hash = reader.batchHash();
            String streamHash = input.isStdin() ? reader.streamHash() : null;
            phases.switchTo(Phase.LAND);
            LandedBatch landed = lander.finishBatch();
            phases.switchTo(Phase.COMMIT);
            // the metric counts are the group's, recorded on its last batch when it is folded
            ledger.record(batchId, ledgerName.get(), reader.batchNo(), hash, streamHash, reader.recordCount(),
                    landed.landed(), landed.ignored(), landed.rejected(), 0, 0, landed.lastChangeSeq());
            if (positions != null) {
                ledger.recordPositions(batchId, positions);
                if (positions.last().isAfter(groupHighestLsn)) {
                    groupHighestLsn = positions.last();
                }
            }
            lsnRule.keepBatch();
            group.changesSkippedByLsn += lsnRule.batchSkipped();
            groupLast = new BatchLedger.Last(batchId, landed.lastChangeSeq());
            group.applied(landed);
            groupUpToSeq = landed.lastChangeSeq();
            groupLastBatchId = batchId;
            LOG.debug("{}: batch {} applied: {} changes landed, {} ignored, {} rejected",
                    input.displayName(), reader.batchNo(), landed.landed(), landed.ignored(), landed.rejected());
            groupChanges += landed.landed() + landed.rejected();
            return Outcome.APPLIED;
        }

        /**
         * The rules that need the whole batch besides source positions ({@link LsnRule}, which a batch
         * that passes these meets as it lands): (standard input) the stream so far, then, for a batch
         * without positions, the content. Null when the batch is to be applied.
         */
        private Outcome judgeWholeBatch() {
            if (options.reprocess()) {
                return null;
            }
            if (input.isStdin() && ledger.streamApplied(reader.streamHash())) {
                return Outcome.ALREADY_APPLIED;
            }
            if (reader.batchLsnRange() == null && batchChangesRead > 0) {
                Optional<BatchLedger.Application> first = ledger.firstApplication(reader.batchHash(), ledgerName.get(),
                        input.isStdin() ? lastBatchIdBeforeRun : 0);
                if (first.isPresent()) {
                    duplicateOf = first.get();
                    return Outcome.DUPLICATE;
                }
            }
            return null;
        }

        /** Changes of a stream applied before whose records are at or below the highest applied position. */
        private long atAppliedPositions(List<WalChange> changes) {
            return changes.stream().filter(change -> change.recordLsn() != null && groupHighestLsn != null
                    && !change.recordLsn().isAfter(groupHighestLsn)).count();
        }

        /** The LSN rule first: a change of a record applied before is not landed again. */
        private void judgeAndLand(WalChange change) {
            if (lsnRule.judge(change) == LsnRule.Verdict.LAND) {
                land(change);
            }
        }

        private WalChange nextChange() throws IOException {
            phases.switchTo(Phase.READ);
            return reader.nextChange();
        }

        private void land(WalChange change) {
            phases.switchTo(Phase.LAND);
            lander.land(change);
            Integer maxRejects = options.maxRejects();
            long rejected = committed.changesRejected + group.changesRejected + lander.rejectedCount();
            if (maxRejects != null && rejected > maxRejects) {
                throw new TooManyRejectionsException(input.displayName(), reader.batchNo(), rejected, maxRejects,
                        lander.lastRejection());
            }
        }

        /**
         * For a file, the ledger knows each batch by position: a batch seen before is read only
         * to check its hash. True when the batch is to be skipped.
         */
        private boolean alreadyAppliedByPosition(boolean complete) throws IOException {
            if (input.isStdin() || options.reprocess()) {
                return false;
            }
            Optional<String> appliedHash = ledger.appliedHash(ledgerName.get(), reader.batchNo());
            if (appliedHash.isEmpty()) {
                return false;
            }
            if (!complete) {
                while (reader.nextChange() != null) {
                    // only the hash matters for a batch applied before
                }
            }
            if (!appliedHash.get().equals(reader.batchHash())) {
                throw new BatchConflictException(input.displayName(), reader.batchNo());
            }
            return true;
        }

        LoadReport report(long startedNanos, boolean inputEnded) {
            long metricRows;
            Lsn lastApplied;
            try {
                metricRows = ledger.metricRows();
                lastApplied = ledger.highestLsn().orElse(null);
            } catch (RuntimeException unreadable) {
                metricRows = -1;
                lastApplied = null;
            }
            Tally counted = committed;
            return new LoadReport(batchesRead, counted.batchesApplied, counted.batchesSkipped, counted.batchesDuplicate,
                    counted.changesLanded, counted.changesIgnored, counted.changesRejected, counted.changesSkippedByLsn,
                    counted.metricsUpserted, counted.metricsDeleted, metricRows, lastApplied,
                    List.copyOf(counted.driftColumns), List.copyOf(counted.firstRejections),
                    List.copyOf(counted.duplicates), phases.seconds(), (System.nanoTime() - startedNanos) / 1e9, inputEnded);
        }
    }
}
