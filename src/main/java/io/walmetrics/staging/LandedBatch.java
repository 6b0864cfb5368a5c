package io.walmetrics.staging;

import java.util.List;

/**
 * What landing one batch did: its changes landed, ignored (other tables, other kinds) and rejected,
 * the last change sequence it used, the columns that drifted from the catalog (one line each:
 * "transaction.amount: numeric, declared integer") and the rejections themselves.
 */
public record LandedBatch(int landed, int ignored, int rejected, long lastChangeSeq, List<String> driftColumns,
                          List<Rejection> rejections) {

    public LandedBatch {
        driftColumns = List.copyOf(driftColumns);
        rejections = List.copyOf(rejections);
    }
}
