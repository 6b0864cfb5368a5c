package io.walmetrics.sink;

/**
 * A {@code 403 cluster_block_exception}: the index takes no writes (an operator's {@code index.blocks.write}, a
 * read-only index), which is the index's state, not a document's. Says which block and the setting that lifts it.
 */
final class IndexBlock {

    private IndexBlock() {
    }

    /** @param refusal the node's status, error type and reason, as {@code 403 cluster_block_exception: index [m] blocked by: …} */
    static String describe(SinkTarget target, String refusal) {
        String setting;
        String state;
        if (refusal.contains("allow delete")) {
            setting = "index.blocks.read_only_allow_delete";
            state = "read-only (allow delete: the disk's flood-stage watermark, or an operator)";
        } else if (refusal.contains("read-only") || refusal.contains("read_only")) {
            setting = "index.blocks.read_only";
            state = "read-only";
        } else if (refusal.contains("index write")) {
            setting = "index.blocks.write";
            state = "write-blocked";
        } else {
            return target + " is blocked (" + refusal + "): see the index's index.blocks.* settings and the cluster's health, then run sink again";
        }
        return target + " is " + state + " (" + refusal + "): lift it with PUT /" + target.index() + "/_settings {\"" + setting
                + "\": false} and run sink again";
    }
}
