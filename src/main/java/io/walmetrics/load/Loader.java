package io.walmetrics.load;

import io.walmetrics.load.Phases.Phase;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.staging.ChangeLander;
import io.walmetrics.staging.LandingCounts;
import io.walmetrics.staging.Rejection;
import io.walmetrics.transform.MetricsTransform;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalFormatException;
import io.walmetrics.wal.WalReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a WAL input to the database batch by batch. A batch's ledger check, landed changes
 * (folded into current state by the staging triggers), rejects, metric upserts and deletes and
 * ledger entry commit together or not at all: each batch is a savepoint, and consecutive batches
 * of a file share one SQLite transaction (standard input commits every batch as it arrives).
 */
public final class Loader {

    private static final Logger LOG = LoggerFactory.getLogger(Loader.class);

    /** A batch up to this many changes is read before its transaction starts; a larger one streams. */
    private static final int BUFFERED_CHANGES = 10_000;
    private static final int REJECTIONS_KEPT_FOR_REPORT = 20;
    private static final int GROUP_MAX_BATCHES = 1_000;
    private static final long GROUP_MAX_CHANGES = 20_000;
    private static final long GROUP_MAX_NANOS = 1_000_000_000L;

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
        try (Handle handle = jdbi.open();
             WalReader reader = new WalReader(input.stream(), input.displayName(), options.batchSize());
             Run run = new Run(handle, input, options, reader)) {
            try {
                boolean stopped = false;
                while (!(stopped = options.isStopRequested()) && reader.nextBatch()) {
                    run.batchesRead++;
                    run.apply();
                }
                run.commitGroup();
                if (!stopped && reader.wasEmpty() && !input.isStdin()) {
                    throw new WalFormatException(input.displayName(), 0, 1, 1, "the file is empty: no WAL records", null);
                }
            } catch (IOException | RuntimeException e) {
                run.commitGroupAfterFailure(e);
                throw new LoadFailedException(run.report(run.ledger.metricRows(), started), e);
            }
            return run.report(run.ledger.metricRows(), started);
        } catch (IOException closing) {
            throw new LoadFailedException(LoadReport.nothing(started), closing);
        }
    }

    /** The state of one load: what it reads, where it writes, what it has counted. */
    private static final class Run implements AutoCloseable {

        private final Handle handle;
        private final WalInput input;
        private final LoadOptions options;
        private final WalReader reader;
        private final BatchLedger ledger;
        private final ChangeLander lander;
        private final MetricsTransform transform;
        private final List<Rejection> firstRejections = new ArrayList<>();
        private final Phases phases = new Phases();

        private boolean groupOpen;
        private long groupStarted;
        private int groupBatches;
        private long groupChanges;


        private int batchesRead;
        private int batchesApplied;
        private int batchesSkipped;
        private long changesLanded;
        private long changesIgnored;
        private long changesRejected;
        private long metricsUpserted;
        private long metricsDeleted;
        private final java.util.Set<String> driftColumns = new java.util.TreeSet<>();

        Run(Handle handle, WalInput input, LoadOptions options, WalReader reader) {
            this.handle = handle;
            this.input = input;
            this.options = options;
            this.reader = reader;
            this.ledger = new BatchLedger(handle);
            this.lander = new ChangeLander(handle, SourceCatalog.load(handle));
            this.transform = new MetricsTransform(handle);
        }

        @Override
        public void close() {
            lander.close();
            transform.close();
            ledger.close();
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
                ledger.run("begin immediate");
                groupOpen = true;
                groupStarted = System.nanoTime();
                groupBatches = 0;
                groupChanges = 0;
            }
            // each batch is a savepoint of its own: a batch to skip, or one that fails, leaves
            // the batches before it in the group untouched
            ledger.run("savepoint batch");
            boolean applied;
            try {
                applied = applyInTransaction(buffered, complete);
                if (applied) {
                    ledger.run("release batch");
                    groupBatches++;
                } else {
                    ledger.run("rollback to batch");
                    ledger.run("release batch");
                    batchesSkipped++;
                }
            } catch (RuntimeException | IOException e) {
                try {
                    ledger.run("rollback to batch");
                    ledger.run("release batch");
                } catch (RuntimeException transactionGone) {
                    e.addSuppressed(transactionGone);
                }
                throw e;
            }
            if (groupIsDue()) {
                commitGroup();
            }
            if (options.listener() != null) {
                options.listener().batchDone(reader.batchNo(), applied, System.nanoTime() - batchStarted);
            }
            if (options.progress() != null) {
                options.progress().progress(batchesRead, changesLanded + changesIgnored + changesRejected, reader.offset());
            }
        }

        /**
         * Consecutive batches of a file share one SQLite transaction, up to a size and an age, so a
         * backfill does not pay a commit per minute of WAL. Each still has its own ledger entry and
         * its own metric step, so the result is the same as committing them one by one. Standard
         * input commits every batch as it arrives: the next may be a minute away.
         */
        private boolean groupIsDue() {
            return input.isStdin()
                    || options.commitsEachBatch()
                    || groupBatches >= GROUP_MAX_BATCHES
                    || groupChanges >= GROUP_MAX_CHANGES
                    || System.nanoTime() - groupStarted >= GROUP_MAX_NANOS;
        }

        void commitGroup() {
            if (groupOpen) {
                phases.switchTo(Phase.COMMIT);
                ledger.run("commit");
                groupOpen = false;
            }
        }

        /** After a failure, the batches of the group before it are kept; the failed one already rolled back. */
        void commitGroupAfterFailure(Exception failure) {
            try {
                commitGroup();
            } catch (RuntimeException commitFailed) {
                failure.addSuppressed(commitFailed);
                try {
                    ledger.run("rollback");
                } catch (RuntimeException alreadyRolledBack) {
                    failure.addSuppressed(alreadyRolledBack);
                }
                groupOpen = false;
            }
        }

        /** Lands, folds and transforms the batch and records it; false when it is to be skipped. */
        private boolean applyInTransaction(List<WalChange> buffered, boolean complete) throws IOException {
            if (alreadyAppliedByPosition(complete)) {
                return false;
            }
            BatchLedger.Last last = ledger.last();
            long batchId = last.batchId() + 1;
            lander.startBatch(batchId, last.changeSeq());
            for (WalChange change : buffered) {
                land(change);
            }
            buffered.clear();
            for (WalChange change = nextChange(); change != null; change = nextChange()) {
                land(change);
            }
            String hash = reader.batchHash();
            String streamHash = input.isStdin() ? reader.streamHash() : null;
            if (streamHash != null && !options.reprocess() && ledger.streamApplied(streamHash)) {
                return false;
            }
            phases.switchTo(Phase.FOLD);
            LandingCounts landing = lander.finishBatch();
            phases.switchTo(Phase.METRICS);
            // nothing landed, nothing folded, no key marked: the metric step would find nothing to do
            MetricsTransform.MetricChanges metrics = landing.landed() == 0
                    ? new MetricsTransform.MetricChanges(0, 0) : transform.apply(batchId);
            phases.switchTo(Phase.COMMIT);
            ledger.record(batchId, input.ledgerName(), reader.batchNo(), hash, streamHash, reader.recordCount(),
                    landing.landed(), landing.ignored(), landing.rejected(),
                    metrics.upserted(), metrics.deleted(), lander.lastChangeSeq());
            count(landing, metrics);
            LOG.debug("{}: batch {} applied: {} changes landed, {} ignored, {} rejected; {} metrics upserted, {} deleted",
                    input.displayName(), reader.batchNo(), landing.landed(), landing.ignored(), landing.rejected(),
                    metrics.upserted(), metrics.deleted());
            groupChanges += landing.landed() + landing.rejected();
            return true;
        }

        private WalChange nextChange() throws IOException {
            phases.switchTo(Phase.READ);
            return reader.nextChange();
        }

        private void land(WalChange change) {
            phases.switchTo(Phase.LAND);
            lander.land(change);
            Integer maxRejects = options.maxRejects();
            long rejected = changesRejected + lander.rejectedCount();
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
            Optional<String> appliedHash = ledger.appliedHash(input.ledgerName(), reader.batchNo());
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

        private void count(LandingCounts landing, MetricsTransform.MetricChanges metrics) {
            batchesApplied++;
            changesLanded += landing.landed();
            changesIgnored += landing.ignored();
            changesRejected += landing.rejected();
            driftColumns.addAll(lander.driftColumns());
            metricsUpserted += metrics.upserted();
            metricsDeleted += metrics.deleted();
            for (Rejection rejection : lander.rejections()) {
                if (firstRejections.size() < REJECTIONS_KEPT_FOR_REPORT) {
                    firstRejections.add(rejection);
                }
            }
        }

        LoadReport report(long metricRows, long startedNanos) {
            return new LoadReport(batchesRead, batchesApplied, batchesSkipped, changesLanded, changesIgnored,
                    changesRejected, metricsUpserted, metricsDeleted, metricRows, List.copyOf(driftColumns),
                    List.copyOf(firstRejections), phases.seconds(), (System.nanoTime() - startedNanos) / 1e9);
        }
    }
}
