package io.walmetrics.transform;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.schema.SourceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Folds a range of landed changes into the {@code current_*} tables with the statements of
 * {@link FoldSql}, rendered for the database's catalog and prepared once on the handle: per source,
 * the set-based upsert and delete of every key's last change, then the few keys on the exact route
 * change by change. A truncate of the source splits the range: the changes before it are folded,
 * the source's current rows are removed (their join keys marked), and the changes after it are
 * folded onto the empty table, which is the sequential meaning. The same route serves one batch, a
 * group of batches and a whole replay.
 */
public final class GroupFold implements AutoCloseable {

    private record SourceSteps(SqlFile listTruncates, SqlFile markAffectedKeys, SqlFile markExactKeys,
                               SqlFile upsertLastWholeChanges, SqlFile upsertLastPartialUpdates, SqlFile deleteLastDeletes,
                               SqlFile listExactChanges, SqlFile upsertOneChange, SqlFile deleteOneKey,
                               SqlFile markEveryAffectedKey, SqlFile deleteEveryRow) {

        List<SqlFile> all() {
            return List.of(listTruncates, markAffectedKeys, markExactKeys, upsertLastWholeChanges, upsertLastPartialUpdates,
                    deleteLastDeletes, listExactChanges, upsertOneChange, deleteOneKey, markEveryAffectedKey, deleteEveryRow);
        }
    }

    private final List<SourceSteps> sources = new ArrayList<>();
    private final SqlFile clearExactKeys;

    public GroupFold(Handle handle, SourceCatalog catalog) {
        refuseFoldTriggers(handle, catalog);
        Map<String, String> shared = FoldSql.sharedFiles();
        handle.execute(shared.get(FoldSql.CREATE_EXACT_KEYS));
        this.clearExactKeys = SqlFile.prepareText("fold/" + FoldSql.CLEAR_EXACT_KEYS, shared.get(FoldSql.CLEAR_EXACT_KEYS), handle);
        for (SourceTable source : catalog.sources()) {
            Map<String, String> files = FoldSql.sourceFiles(source);
            String folder = "fold/" + source.source() + "/";
            sources.add(new SourceSteps(
                    SqlFile.prepareText(folder + FoldSql.LIST_TRUNCATES, files.get(FoldSql.LIST_TRUNCATES), handle),
                    SqlFile.prepareText(folder + FoldSql.MARK_AFFECTED_KEYS, files.get(FoldSql.MARK_AFFECTED_KEYS), handle),
                    SqlFile.prepareText(folder + FoldSql.MARK_EXACT_KEYS, files.get(FoldSql.MARK_EXACT_KEYS), handle),
                    SqlFile.prepareText(folder + FoldSql.UPSERT_LAST_WHOLE_CHANGES, files.get(FoldSql.UPSERT_LAST_WHOLE_CHANGES), handle),
                    SqlFile.prepareText(folder + FoldSql.UPSERT_LAST_PARTIAL_UPDATES, files.get(FoldSql.UPSERT_LAST_PARTIAL_UPDATES), handle),
                    SqlFile.prepareText(folder + FoldSql.DELETE_LAST_DELETES, files.get(FoldSql.DELETE_LAST_DELETES), handle),
                    SqlFile.prepareText(folder + FoldSql.LIST_EXACT_CHANGES, files.get(FoldSql.LIST_EXACT_CHANGES), handle),
                    SqlFile.prepareText(folder + FoldSql.UPSERT_ONE_CHANGE, files.get(FoldSql.UPSERT_ONE_CHANGE), handle),
                    SqlFile.prepareText(folder + FoldSql.DELETE_ONE_KEY, files.get(FoldSql.DELETE_ONE_KEY), handle),
                    SqlFile.prepareText(folder + FoldSql.MARK_EVERY_AFFECTED_KEY, files.get(FoldSql.MARK_EVERY_AFFECTED_KEY), handle),
                    SqlFile.prepareText(folder + FoldSql.DELETE_EVERY_ROW, files.get(FoldSql.DELETE_EVERY_ROW), handle)));
        }
    }

    /**
     * A trigger on a staging table would fold every change a second time: databases of older
     * releases had them (migration 013 drops them), and so could a changelog that an older
     * {@code schema} command wrote.
     */
    private static void refuseFoldTriggers(Handle handle, SourceCatalog catalog) {
        for (SourceTable source : catalog.sources()) {
            List<String> triggers = handle.createQuery("select name from sqlite_schema where type = 'trigger' and tbl_name = :table order by name")
                    .bind("table", source.stagingTable()).mapTo(String.class).list();
            if (!triggers.isEmpty()) {
                throw new FoldTriggerException(source.stagingTable(), triggers);
            }
        }
    }

    /** Applies every change with {@code afterSeq < change_seq <= upToSeq}; returns the changes taken one at a time. */
    public long fold(long afterSeq, long upToSeq) {
        if (upToSeq <= afterSeq) {
            return 0;
        }
        long exact = 0;
        for (SourceSteps steps : sources) {
            long partAfter = afterSeq;
            for (long truncateSeq : steps.listTruncates().queryLongs(range(afterSeq, upToSeq))) {
                exact += foldPart(steps, partAfter, truncateSeq);
                steps.markEveryAffectedKey().execute(Map.of());
                steps.deleteEveryRow().execute(Map.of());
                partAfter = truncateSeq;
            }
            exact += foldPart(steps, partAfter, upToSeq);
        }
        return exact;
    }

    /** One source's changes of the range, which holds no truncate of it. */
    private long foldPart(SourceSteps steps, long afterSeq, long upToSeq) {
        if (upToSeq <= afterSeq) {
            return 0;
        }
        Map<String, Object> range = range(afterSeq, upToSeq);
        long exact = 0;
        steps.markAffectedKeys().execute(range);
        int exactKeys = steps.markExactKeys().execute(range);
        steps.upsertLastWholeChanges().execute(range);
        steps.upsertLastPartialUpdates().execute(range);
        steps.deleteLastDeletes().execute(range);
        if (exactKeys > 0) {
            for (long changeSeq : steps.listExactChanges().queryLongs(range)) {
                Map<String, Object> change = Map.of("change_seq", changeSeq);
                steps.upsertOneChange().execute(change);
                steps.deleteOneKey().execute(change);
                exact++;
            }
            clearExactKeys.execute(Map.of());
        }
        steps.markAffectedKeys().execute(range);
        return exact;
    }

    private static Map<String, Object> range(long afterSeq, long upToSeq) {
        return Map.of("after_seq", afterSeq, "up_to_seq", upToSeq);
    }

    @Override
    public void close() {
        sources.forEach(steps -> steps.all().forEach(SqlFile::close));
        clearExactKeys.close();
    }
}
