package io.walmetrics.load;

/**
 * The batches of an input that a failed load did not apply: from the first one not committed to the
 * one in hand when it failed. Those before are committed; those after were not read.
 */
public record NotApplied(String input, int fromBatchNo, int toBatchNo) {

    /** "batches 24 to 1,023 of data/x.json were not applied". */
    public String describe() {
        return DuplicateRun.range(fromBatchNo, toBatchNo) + " of " + input
                + (fromBatchNo == toBatchNo ? " was" : " were") + " not applied";
    }
}
