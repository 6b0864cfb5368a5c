package io.walmetrics.staging;

import io.walmetrics.wal.ChangePosition;

/** A change that could not be landed, as {@code rejected_changes} keeps it. */
public record Rejection(ChangePosition position, String walTable, String reason) {

    /** "batch 17, record 3: column amount of transaction: "abc" is not an integer" */
    public String describe() {
        return position + ": " + reason;
    }
}
