package io.walmetrics.load;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where a load's time goes, phase by phase, for the summary and the benchmark. */
final class Phases {

    enum Phase {
        /** Parsing JSON into changes, or waiting for the parse thread that does it. */
        READ,
        /** Converting values and inserting them into the staging tables. */
        LAND,
        /** The group's landed changes into current state ({@code sql/fold/}). */
        FOLD,
        /** The sql/ steps: affected events, metric upserts and deletes. */
        METRICS,
        /** Ledger checks and entries, savepoints, begin and commit. */
        COMMIT,
        /** Waiting, before a group begins, for the checkpoint thread to copy a full log into the database. */
        LOG_WAIT
    }

    private final long[] nanos = new long[Phase.values().length];
    private Phase current;
    private long since;

    /** Charges the time since the last switch to the phase that was running, and starts {@code next}. */
    void switchTo(Phase next) {
        long now = System.nanoTime();
        if (current != null) {
            nanos[current.ordinal()] += now - since;
        }
        current = next;
        since = now;
    }

    Map<String, Double> seconds() {
        switchTo(current);
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (Phase phase : Phase.values()) {
            seconds.put(phase.name().toLowerCase(java.util.Locale.ROOT), nanos[phase.ordinal()] / 1e9);
        }
        return seconds;
    }
}
