package io.walmetrics.staging;

/** Why a change cannot be landed: it goes to rejected_changes with this reason, never coerced. */
final class NotLandableException extends Exception {

    NotLandableException(String reason) {
        super(reason, null, false, false);
    }
}
