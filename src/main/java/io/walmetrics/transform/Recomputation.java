package io.walmetrics.transform;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.schema.SourceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;

/**
 * Recomputes current state and metrics from the staging tables from scratch, inside one
 * transaction: every staged change is folded again, in {@code change_seq} order, by the same
 * set-based fold that applied it ({@link GroupFold}), every metric is re-derived with the {@code sql/} steps from
 * {@code current_metric}, and the result is compared with what the loader maintained
 * incrementally. {@code verify} then rolls back; {@code rebuild} commits.
 */
public final class Recomputation {

    private static final int SAMPLE_KEYS = 5;

    /** Rows that differ between what was maintained and what the recomputation gives. */
    public record TableDifference(String table, long onlyMaintained, long onlyRecomputed, List<String> sampleKeys) {

        public boolean none() {
            return onlyMaintained == 0 && onlyRecomputed == 0;
        }
    }

    public record Result(long replayedChanges, List<TableDifference> tables) {

        public boolean consistent() {
            return tables.stream().allMatch(TableDifference::none);
        }
    }

    private Recomputation() {
    }

    /** Recomputes and compares; keeps the recomputed state only when {@code keep}. */
    public static Result run(Handle handle, SourceCatalog catalog, MetricsTransform transform, boolean keep) {
        return run(handle, catalog, transform, keep, step -> { });
    }

    /** The same, saying each step as it starts (for a terminal: a long recomputation shows where it is). */
    public static Result run(Handle handle, SourceCatalog catalog, MetricsTransform transform, boolean keep,
                             Consumer<String> progress) {
        // the copies below can be as large as the database: let them spill to disk
        handle.execute("pragma temp_store = file");
        handle.execute("begin immediate");
        try {
            Result result = recomputeAndCompare(handle, catalog, transform, progress);
            handle.execute(keep ? "commit" : "rollback");
            return result;
        } catch (RuntimeException e) {
            try {
                handle.execute("rollback");
            } catch (RuntimeException alreadyRolledBack) {
                e.addSuppressed(alreadyRolledBack);
            }
            throw e;
        } finally {
            dropCopies(handle, catalog);
            handle.execute("pragma temp_store = memory");
        }
    }

    private static Result recomputeAndCompare(Handle handle, SourceCatalog catalog, MetricsTransform transform,
                                              Consumer<String> progress) {
        progress.accept("keeping a copy of the maintained tables to compare with");
        List<String> metricColumns = metricColumns(handle);
        for (SourceTable source : catalog.sources()) {
            copy(handle, source.currentTable(), "maintained_" + source.currentTable(), source.currentColumns());
        }
        copy(handle, "metrics", "maintained_metrics", metricColumns);

        long replayed = 0;
        long lastChangeSeq = 0;
        for (SourceTable source : catalog.sources()) {
            handle.execute("delete from " + source.currentTable());
            replayed += handle.createQuery("select count(*) from " + source.stagingTable()).mapTo(Long.class).one();
            lastChangeSeq = Math.max(lastChangeSeq, handle.createQuery("select coalesce(max(change_seq), 0) from "
                    + source.stagingTable()).mapTo(Long.class).one());
        }
        // truncates are staged changes too: the fold splits the replay at each
        replayed += handle.createQuery("select count(*) from stg_truncate").mapTo(Long.class).one();
        lastChangeSeq = Math.max(lastChangeSeq, handle.createQuery("select coalesce(max(change_seq), 0) from stg_truncate")
                .mapTo(Long.class).one());
        // every staged change again, by the route that applied it: the fold of sql/fold/ over the whole range
        progress.accept(String.format(java.util.Locale.ROOT, "folding %,d staged changes", replayed));
        try (GroupFold fold = new GroupFold(handle, catalog)) {
            fold.fold(0, lastChangeSeq);
        }

        // every event is affected now (the replay marked every key); a metric whose event is gone too
        handle.execute("insert or ignore into affected_event (id) select id from metrics");
        // What the recomputation changes is stamped with a batch after every applied one, so that a
        // search index following metrics (export --since) sees it; rebuild records that batch.
        long rebuildBatch = handle.createQuery("select coalesce(max(batch_id), 0) + 1 from batch_ledger")
                .mapTo(Long.class).one();
        progress.accept("deriving every metric");
        MetricsTransform.MetricChanges metricChanges = transform.apply(rebuildBatch);
        progress.accept("comparing");

        List<TableDifference> differences = new ArrayList<>();
        for (SourceTable source : catalog.sources()) {
            differences.add(compare(handle, source.currentTable(), source.keyColumn(), source.currentColumns()));
        }
        differences.add(compare(handle, "metrics", "id", metricColumns));
        Result result = new Result(replayed, differences);
        if (!result.consistent()) {
            recordRebuildBatch(handle, rebuildBatch, metricChanges);
        }
        return result;
    }

    /** The rebuild in the ledger, as a batch of its own input; verify rolls it back with the rest. */
    private static void recordRebuildBatch(Handle handle, long batchId, MetricsTransform.MetricChanges metricChanges) {
        handle.createUpdate("""
                        insert into batch_ledger (
                            batch_id, input, batch_no, content_hash, records,
                            changes_landed, changes_ignored, changes_rejected,
                            metrics_upserted, metrics_deleted, last_change_seq
                        )
                        select :batch_id, '(rebuild)', 1, 'rebuild', 0, 0, 0, 0, :metrics_upserted, :metrics_deleted,
                               coalesce(max(last_change_seq), 0)
                        from batch_ledger""")
                .bind("batch_id", batchId)
                .bind("metrics_upserted", metricChanges.upserted())
                .bind("metrics_deleted", metricChanges.deleted())
                .execute();
    }

    private static TableDifference compare(Handle handle, String table, String key, List<String> columns) {
        String list = String.join(", ", columns);
        String maintained = "select " + list + " from temp.maintained_" + table;
        String recomputed = "select " + list + " from main." + table;
        long onlyMaintained = count(handle, maintained + " except " + recomputed);
        long onlyRecomputed = count(handle, recomputed + " except " + maintained);
        List<String> sample = handle.createQuery("select distinct " + key + " from (" + maintained + " except " + recomputed
                        + " union all select * from (" + recomputed + " except " + maintained + ")) order by 1 limit " + SAMPLE_KEYS)
                .mapTo(String.class).list();
        return new TableDifference(table, onlyMaintained, onlyRecomputed, sample);
    }

    private static long count(Handle handle, String query) {
        return handle.createQuery("select count(*) from (" + query + ")").mapTo(Long.class).one();
    }

    private static void copy(Handle handle, String table, String copy, List<String> columns) {
        String list = String.join(", ", columns);
        handle.execute("create temp table " + copy + " as select " + list + " from main." + table);
    }

    /** The metric's own columns: all but updated_in_batch, which a recomputation sets anew. */
    private static List<String> metricColumns(Handle handle) {
        return handle.createQuery("select name from pragma_table_info('metrics') where name <> 'updated_in_batch' order by cid")
                .mapTo(String.class).list();
    }

    private static void dropCopies(Handle handle, SourceCatalog catalog) {
        List<String> copies = new ArrayList<>(List.of("maintained_metrics"));
        for (SourceTable source : catalog.sources()) {
            copies.add("maintained_" + source.currentTable());
        }
        copies.forEach(copy -> handle.execute("drop table if exists temp." + copy));
    }
}
