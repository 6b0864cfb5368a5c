package io.walmetrics.sink;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Bounded exponential backoff: {@code first}, twice that, … up to {@code max}; the sink never skips an action, and
 * a one-shot sink stops retrying only at its give-up time. {@link #await} returns false, without waiting out the delay, once a stop is asked for.
 */
public record Backoff(Duration first, Duration max) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    /** The delay before retry number {@code attempt} (1 is the first retry). */
    public Duration delay(int attempt) {
        long millis = first.toMillis() << Math.min(attempt - 1, 30);
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }

    /** Waits the delay of {@code attempt}; false when {@code stopRequested} turned true meanwhile. */
    boolean await(int attempt, BooleanSupplier stopRequested) {
        long until = System.nanoTime() + delay(attempt).toNanos();
        while (System.nanoTime() < until) {
            if (stopRequested.getAsBoolean()) {
                return false;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(50, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopRequested.getAsBoolean();
    }
}
