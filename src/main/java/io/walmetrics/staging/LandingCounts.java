package io.walmetrics.staging;

/** What landing one batch did with its changes. */
public record LandingCounts(int landed, int ignored, int rejected) {
}
