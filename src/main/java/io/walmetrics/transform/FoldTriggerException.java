package io.walmetrics.transform;

import java.util.List;

/** A trigger on a staging table, which would fold its changes a second time. */
public final class FoldTriggerException extends IllegalStateException {

    public FoldTriggerException(String stagingTable, List<String> triggers) {
        super("trigger " + String.join(", ", triggers) + " on " + stagingTable + " would fold its changes twice "
                + "(the loader folds them itself since migration 013; an older `schema` changeset may have created it): "
                + "drop it with `drop trigger " + triggers.get(0) + ";` and load again");
    }
}
