package io.walmetrics.sink;

/**
 * Which index a checkpoint is for, whatever the URL's spelling: the cluster's {@code cluster_uuid} and the index's
 * {@code index.uuid}. An index deleted and made again under the same name has another uuid; a node restarted on an
 * empty data folder is another cluster.
 */
public record IndexIdentity(String clusterUuid, String indexUuid) {
}
