package io.walmetrics.feed;

/**
 * What a follower of {@code metrics} must do for one id after a batch: put the row's latest state, or remove
 * the id. {@code batch} is the batch_ledger.batch_id of the change (updated_in_batch of the row, deleted_in_batch
 * of the deletion): it only grows for an id, so a search index can use it as the document's external version.
 */
public sealed interface MetricChange {

    String id();

    long batch();

    /** The row as it is now. */
    record Index(String id, long batch, MetricDocument document) implements MetricChange {
    }

    /** The id was deleted and is not back. */
    record Delete(String id, long batch) implements MetricChange {
    }
}
