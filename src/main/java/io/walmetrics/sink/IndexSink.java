package io.walmetrics.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.walmetrics.feed.BulkAction;
import io.walmetrics.feed.MetricChange;
import io.walmetrics.feed.MetricChanges;
import io.walmetrics.schema.ProjectFiles;
import io.walmetrics.wal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * One round of the sink: every metric change after the target's checkpoint ({@link MetricChanges}, the definition
 * {@code export} shares) goes to the index through {@code _bulk}, in batch order, in bulks bounded by actions and
 * bytes, one bulk at a time. {@code _id} is the metric id and the external version the change's batch, so a replay
 * or a second sink can never put an older state over a newer one: the node answers 409 and keeps the newer.
 *
 * <p>Every item's result is read (a 200 can carry {@code errors: true}). 2xx, 409 and a delete of a missing
 * document are acknowledged; 429, 5xx and {@code es_rejected_execution_exception} are retried, those items only,
 * after a bounded exponential backoff, for as long as it takes; anything else (a mapping error) stops the round.
 * The checkpoint moves only past batches whose every action is acknowledged, and at the end to the last batch the
 * read saw.
 */
public final class IndexSink {

    /** The index settings and mappings the sink creates a missing index with. */
    public static final String TEMPLATE = "search/metrics-index.json";

    /** At most this many actions and (unless one action alone is bigger) this many bytes in one bulk request. */
    public record Limits(int maxActions, long maxBytes) {
        public static final Limits DEFAULT = new Limits(1000, 5L << 20);
    }

    /** What a round tells while it runs. */
    public interface Events {
        /** The index did not exist and was created from the template. */
        void indexCreated(SinkTarget target);

        /** A retry round begins after {@code delay}: why, and how many actions it sends again. */
        void retrying(String reason, int actions, Duration delay, int attempt);
    }

    /** What a round did; only acknowledged actions count. */
    public record Report(long checkpointBefore, long checkpoint, long indexActions, long deleteActions, long alreadyThere,
            long bulkRequests, long retryRounds) {

        public long actions() {
            return indexActions + deleteActions;
        }
    }

    /** A stop was asked for while waiting to retry; the checkpoint holds what was acknowledged before. */
    public static final class StoppedException extends RuntimeException {
        StoppedException(long checkpoint, int unacknowledged) {
            super("stopped while waiting for the node; " + unacknowledged + " actions not acknowledged, checkpoint at batch "
                    + checkpoint + " (the next run sends them)");
        }
    }

    /** The checkpoint the database cannot answer from (a database restored from an older copy, or another one). */
    public static final class CheckpointOutOfRangeException extends RuntimeException {
        CheckpointOutOfRangeException(String message) {
            super(message);
        }
    }

    private static final Pattern FIELD = Pattern.compile("field \\[([^\\]]+)]|introduction of \\[([^\\]]+)]|\\[([^\\]]+)]");

    private final MetricChanges changes;
    private final Checkpoints checkpoints;
    private final SearchClient client;
    private final SinkTarget target;
    private final Limits limits;
    private final Backoff backoff;
    private final Events events;
    private final BooleanSupplier stopRequested;

    private long checkpoint;
    private long indexActions;
    private long deleteActions;
    private long alreadyThere;
    private long bulkRequests;
    private long retryRounds;

    /** An action as bulk lines, with the change it sends. */
    private record Action(MetricChange change, byte[] lines) {
    }

    public IndexSink(Jdbi jdbi, SearchClient client, Limits limits, Backoff backoff, Events events, BooleanSupplier stopRequested) {
        this.changes = new MetricChanges(jdbi);
        this.checkpoints = new Checkpoints(jdbi);
        this.client = client;
        this.target = client.target();
        this.limits = limits;
        this.backoff = backoff;
        this.events = events;
        this.stopRequested = stopRequested;
    }

    /** Sends everything after the checkpoint and returns once the index has acknowledged all of it. */
    public Report run() throws IOException {
        indexActions = deleteActions = alreadyThere = bulkRequests = retryRounds = 0;
        ensureIndex();
        long before = checkpoints.of(target);
        checkpoint = before;
        List<Action> pending = new ArrayList<>();
        long[] pendingBytes = {0};
        long lastBatch;
        try {
            lastBatch = changes.read(before, change -> {
                byte[] lines = encode(change);
                if (!pending.isEmpty() && (pending.size() >= limits.maxActions() || pendingBytes[0] + lines.length > limits.maxBytes())) {
                    send(pending);
                    pending.clear();
                    pendingBytes[0] = 0;
                }
                pending.add(new Action(change, lines));
                pendingBytes[0] += lines.length;
            });
        } catch (MetricChanges.SinceOutOfRangeException e) {
            throw new CheckpointOutOfRangeException(describe(e));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        send(pending);
        advance(lastBatch);
        return new Report(before, Math.max(checkpoint, before), indexActions, deleteActions, alreadyThere, bulkRequests, retryRounds);
    }

    private void ensureIndex() throws IOException {
        int attempt = 0;
        while (true) {
            try {
                if (!client.indexExists()) {
                    client.createIndex(ProjectFiles.read(TEMPLATE));
                    events.indexCreated(target);
                }
                return;
            } catch (SearchClient.NodeBusyException busy) {
                attempt++;
                retryRounds++;
                events.retrying(busy.getMessage(), 0, backoff.delay(attempt), attempt);
                if (!backoff.await(attempt, stopRequested)) {
                    throw new StoppedException(checkpoint, 0);
                }
            }
        }
    }

    /** Sends the actions until every one is acknowledged, then moves the checkpoint past the batches they complete. */
    private void send(List<Action> actions) throws IOException {
        if (actions.isEmpty()) {
            return;
        }
        List<Action> todo = actions;
        int attempt = 0;
        while (!todo.isEmpty()) {
            String retryReason;
            List<Action> again = new ArrayList<>();
            try {
                bulkRequests++;
                JsonNode items = client.bulk(concatenate(todo)).path("items");
                if (items.size() != todo.size()) {
                    throw new IOException(target + ": the bulk response has " + items.size() + " items for " + todo.size() + " actions");
                }
                String firstRefusal = null;
                for (int i = 0; i < todo.size(); i++) {
                    Action action = todo.get(i);
                    JsonNode item = items.get(i).elements().next();
                    String refusal = acknowledge(action.change(), item);
                    if (refusal != null) {
                        again.add(action);
                        firstRefusal = firstRefusal == null ? refusal : firstRefusal;
                    }
                }
                retryReason = again.size() + " of " + todo.size() + " actions refused for now (" + firstRefusal + ")";
            } catch (SearchClient.NodeBusyException busy) {
                again = todo;
                retryReason = busy.getMessage();
            }
            if (!again.isEmpty()) {
                attempt++;
                retryRounds++;
                events.retrying(retryReason, again.size(), backoff.delay(attempt), attempt);
                if (!backoff.await(attempt, stopRequested)) {
                    throw new StoppedException(checkpoint, again.size());
                }
            }
            todo = again;
        }
        // the feed is in batch order: every batch before the last one here is complete
        advance(actions.get(actions.size() - 1).change().batch() - 1);
    }

    /** Counts an acknowledged item and returns null, returns why for one to retry, or throws for good. */
    private String acknowledge(MetricChange change, JsonNode item) {
        int status = item.path("status").asInt();
        JsonNode error = item.path("error");
        String type = error.path("type").asText("");
        boolean delete = change instanceof MetricChange.Delete;
        if ((status >= 200 && status < 300) || (delete && status == 404 && "not_found".equals(item.path("result").asText()))) {
            if (delete) {
                deleteActions++;
            } else {
                indexActions++;
            }
            return null;
        }
        if (status == 409 && type.startsWith("version_conflict")) {
            // the index holds this version or a newer one: already there
            alreadyThere++;
            if (delete) {
                deleteActions++;
            } else {
                indexActions++;
            }
            return null;
        }
        if (status == 429 || status >= 500 || type.equals("es_rejected_execution_exception")
                || type.equals("opensearch_rejected_execution_exception")) {
            return status + " " + type;
        }
        String reason = error.path("reason").asText("");
        JsonNode cause = error.path("caused_by");
        String detail = cause.isObject() ? reason + " (" + cause.path("type").asText() + ": " + cause.path("reason").asText() + ")" : reason;
        throw new MappingException(change.id(), change.batch(), fieldOf(reason), status + " " + type, detail);
    }

    private static String fieldOf(String reason) {
        Matcher matcher = FIELD.matcher(reason);
        if (matcher.find()) {
            for (int group = 1; group <= matcher.groupCount(); group++) {
                if (matcher.group(group) != null) {
                    return matcher.group(group);
                }
            }
        }
        return "(not named by the node)";
    }

    private void advance(long batch) {
        if (batch > checkpoint) {
            checkpoints.advance(target, batch);
            checkpoint = batch;
        }
    }

    private static byte[] encode(MetricChange change) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator lines = Json.linesGenerator(bytes)) {
            BulkAction.writeLines(lines, change, true);
        }
        return bytes.toByteArray();
    }

    private static byte[] concatenate(List<Action> actions) {
        int size = 0;
        for (Action action : actions) {
            size += action.lines().length;
        }
        byte[] body = new byte[size];
        int at = 0;
        for (Action action : actions) {
            System.arraycopy(action.lines(), 0, body, at, action.lines().length);
            at += action.lines().length;
        }
        return body;
    }

    private String describe(MetricChanges.SinceOutOfRangeException e) {
        return switch (e.reason()) {
            case PAST_THE_LAST_BATCH -> "the checkpoint of " + target + " is batch " + e.since()
                    + ", past the last batch of the database (" + e.bound() + "): is this the database the index follows?"
                    + " Sync a new index, or delete the checkpoint row to send everything again";
            case BEFORE_DELETIONS_WERE_RECORDED -> "the checkpoint of " + target + " is batch " + e.since()
                    + ", but deletions are recorded only after batch " + e.bound() + ": sync a new index";
        };
    }
}
