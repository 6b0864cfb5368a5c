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
import java.util.OptionalLong;
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
 * <p>The checkpoint is the index's ({@link IndexIdentity}): an index without one (made again, another cluster, a
 * checkpoint from before uuids) gets everything metrics holds, and its deletes when the index was there already.
 *
 * <p>Every item's result is read (a 200 can carry {@code errors: true}). 2xx, 409 and a delete of a missing
 * document are acknowledged; 429, 5xx and {@code es_rejected_execution_exception} are retried, those items only,
 * after a bounded exponential backoff (until the give-up time, if any); a 400 (a value the mapping does not take)
 * is a refused document, kept in sink_refused and sent again by the next sink, and the round goes on; a block of
 * the index (403 cluster_block_exception) and anything else stop the round. The checkpoint moves only past
 * batches whose every action is acknowledged or refused, and at the end to the last batch the read saw.
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

        /** The first retry of a round: how long the sink keeps trying ({@code giveUpAfter} null: until the node answers). */
        default void keepsTrying(SinkTarget target, Duration giveUpAfter) {
        }

        /** The index is not the one the checkpoint was made for: the round sends everything. */
        default void startingOver(String line) {
        }

        /** The index refused a document for good; it is kept in sink_refused and the round goes on. */
        default void refused(String line) {
        }

        /** The documents the index refused before are sent again. */
        default void resending(SinkTarget target, int documents) {
        }
    }

    /** What a round did; only acknowledged actions count, and the documents the index refused for good. */
    public record Report(long checkpointBefore, long checkpoint, long indexActions, long deleteActions, long alreadyThere,
            long refused, long bulkRequests, long retryRounds) {

        public long actions() {
            return indexActions + deleteActions;
        }
    }

    /** A stop was asked for while waiting for the node; the checkpoint holds what was acknowledged before. */
    public static final class StoppedException extends RuntimeException {
        StoppedException(String checkpoint, int unacknowledged) {
            super("stopped while waiting for the node; " + unacknowledged + " actions not acknowledged, " + checkpoint
                    + " (the next run sends them)");
        }
    }

    /** The node stayed unreachable or overloaded for the give-up time of a one-shot sink. */
    public static final class GaveUpException extends RuntimeException {
        GaveUpException(SinkTarget target, Duration after, String reason, String checkpoint) {
            super("gave up on " + target.url() + " after " + SearchClient.seconds(after) + " s of trying again (--give-up-after): "
                    + reason + "; " + checkpoint + ", the next run sends the rest");
        }
    }

    /** The index takes no writes (403 cluster_block_exception): the index's state, not a document's. */
    public static final class IndexBlockedException extends RuntimeException {
        IndexBlockedException(String message) {
            super(message);
        }
    }

    /** The checkpoint the database cannot answer from (a database restored from an older copy, or another one). */
    public static final class CheckpointOutOfRangeException extends RuntimeException {
        CheckpointOutOfRangeException(String message) {
            super(message);
        }
    }

    private static final Pattern FIELD = Pattern.compile("field \\[([^\\]]+)]|introduction of \\[([^\\]]+)]|\\[([^\\]]+)]");

    private final Jdbi jdbi;
    private final MetricChanges changes;
    private final Checkpoints checkpoints;
    private final SearchClient client;
    private final SinkTarget target;
    private final Limits limits;
    private final Backoff backoff;
    private final Duration giveUpAfter;
    private final Events events;
    private final BooleanSupplier stopRequested;

    private IndexIdentity identity;
    private Refusals refusals;
    private boolean refusalsResent;
    private boolean saidKeepsTrying;
    private long checkpoint;
    private long indexActions;
    private long deleteActions;
    private long alreadyThere;
    private long refused;
    private long bulkRequests;
    private long retryRounds;

    /** An action as bulk lines, with the change it sends. */
    private record Action(MetricChange change, byte[] lines) {
    }

    /** A sink that keeps trying a node that is down for as long as it takes (as {@code --interval} does). */
    public IndexSink(Jdbi jdbi, SearchClient client, Limits limits, Backoff backoff, Events events, BooleanSupplier stopRequested) {
        this(jdbi, client, limits, backoff, null, events, stopRequested);
    }

    /** @param giveUpAfter how long a round keeps trying a node that does not take its requests; null: for ever */
    public IndexSink(Jdbi jdbi, SearchClient client, Limits limits, Backoff backoff, Duration giveUpAfter, Events events,
            BooleanSupplier stopRequested) {
        this.jdbi = jdbi;
        this.changes = new MetricChanges(jdbi);
        this.checkpoints = new Checkpoints(jdbi);
        this.client = client;
        this.target = client.target();
        this.limits = limits;
        this.backoff = backoff;
        this.giveUpAfter = giveUpAfter;
        this.events = events;
        this.stopRequested = stopRequested;
    }

    /** Sends everything after the checkpoint and returns once the index has acknowledged all of it. */
    public Report run() throws IOException {
        indexActions = deleteActions = alreadyThere = refused = bulkRequests = retryRounds = 0;
        saidKeepsTrying = false;
        identity = null;
        checkpoint = 0;
        boolean created = ensureIndex();
        OptionalLong known = checkpoints.of(identity);
        long before = known.orElse(0L);
        // without a checkpoint of this index, everything goes; into an index that was there, the deletes too
        boolean deletesFromStart = known.isEmpty() && !created;
        if (known.isEmpty()) {
            checkpoints.superseded(target, identity).ifPresent(old -> events.startingOver(startingOver(old, deletesFromStart)));
        }
        checkpoint = before;
        if (!refusalsResent) {
            refusalsResent = true;
            resendRefused();
        }
        List<Action> pending = new ArrayList<>();
        long[] pendingBytes = {0};
        long lastBatch;
        try {
            lastBatch = changes.read(before, deletesFromStart, change -> {
                byte[] lines = encode(change);
                if (!pending.isEmpty() && (pending.size() >= limits.maxActions() || pendingBytes[0] + lines.length > limits.maxBytes())) {
                    send(pending, true);
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
        send(pending, true);
        advance(lastBatch);
        return new Report(before, Math.max(checkpoint, before), indexActions, deleteActions, alreadyThere, refused, bulkRequests,
                retryRounds);
    }

    /** Where the checkpoint is, for a line that stops the round; before the node said which index it is, unchanged. */
    private String checkpointText() {
        return identity == null ? "the checkpoint unchanged" : "checkpoint at batch " + checkpoint;
    }

    private String startingOver(Checkpoints.Superseded old, boolean withDeletes) {
        String why = old.indexUuid() == null
                ? "the checkpoint (batch " + old.batch() + ") names no index (made before migrations/018)"
                : "not the index the checkpoint (batch " + old.batch() + ") was made for (uuid " + old.indexUuid() + ", now "
                        + identity.indexUuid() + ")";
        return target + ": " + why + ": starting over, sending everything metrics holds" + (withDeletes ? " and its deletes" : "");
    }

    /** The documents this index refused before, as they are now, sent again; the checkpoint does not move for them. */
    private void resendRefused() throws IOException {
        var ids = refusals.ids();
        if (ids.isEmpty()) {
            return;
        }
        events.resending(target, ids.size());
        List<Action> actions = new ArrayList<>();
        changes.readIds(ids, change -> actions.add(new Action(change, encode(change))));
        for (int from = 0; from < actions.size(); from += limits.maxActions()) {
            send(actions.subList(from, Math.min(actions.size(), from + limits.maxActions())), false);
        }
    }

    /** Makes the index from the template when it is missing, and learns which index it is; true when made here. */
    private boolean ensureIndex() throws IOException {
        Retry retry = new Retry();
        while (true) {
            try {
                String cluster = client.clusterUuid();
                boolean created = false;
                if (!client.indexExists()) {
                    created = client.createIndex(ProjectFiles.read(TEMPLATE));
                    if (created) {
                        events.indexCreated(target);
                    }
                }
                identity = new IndexIdentity(cluster, client.indexUuid());
                refusals = Refusals.of(jdbi, target, identity);
                return created;
            } catch (SearchClient.NodeBusyException busy) {
                retry.after(busy.getMessage(), 0);
            } catch (SearchClient.StopRequestedException stop) {
                throw new StoppedException(checkpointText(), 0);
            }
        }
    }

    /** One sequence of retries: its attempts, and since when it has been trying. */
    private final class Retry {
        private final long since = System.nanoTime();
        private int attempt;

        void after(String reason, int actions) {
            attempt++;
            if (!saidKeepsTrying) {
                saidKeepsTrying = true;
                events.keepsTrying(target, giveUpAfter);
            }
            if (giveUpAfter != null && System.nanoTime() - since >= giveUpAfter.toNanos()) {
                throw new GaveUpException(target, giveUpAfter, reason, checkpointText());
            }
            retryRounds++;
            events.retrying(reason, actions, backoff.delay(attempt), attempt);
            if (!backoff.await(attempt, stopRequested)) {
                throw new StoppedException(checkpointText(), actions);
            }
        }
    }

    /**
     * Sends the actions until every one is acknowledged or refused for good; with {@code advance}, then moves the
     * checkpoint past the batches they complete.
     */
    private void send(List<Action> actions, boolean advance) throws IOException {
        if (actions.isEmpty()) {
            return;
        }
        List<Action> todo = actions;
        Retry retry = new Retry();
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
                    String refusal = acknowledge(action, item);
                    if (refusal != null) {
                        again.add(action);
                        firstRefusal = firstRefusal == null ? refusal : firstRefusal;
                    }
                }
                retryReason = again.size() + " of " + todo.size() + " actions refused for now (" + firstRefusal + ")";
                if (again.size() < todo.size()) {
                    retry = new Retry();
                }
            } catch (SearchClient.NodeBusyException busy) {
                again = todo;
                retryReason = busy.getMessage();
            } catch (SearchClient.StopRequestedException stop) {
                throw new StoppedException(checkpointText(), todo.size());
            }
            if (!again.isEmpty()) {
                retry.after(retryReason, again.size());
            }
            todo = again;
        }
        if (advance) {
            // the feed is in batch order: every batch before the last one here is complete
            advance(actions.get(actions.size() - 1).change().batch() - 1);
        }
    }

    /** Counts an acknowledged or refused item and returns null, returns why for one to retry, or throws for good. */
    private String acknowledge(Action action, JsonNode item) {
        MetricChange change = action.change();
        int status = item.path("status").asInt();
        JsonNode error = item.path("error");
        String type = error.path("type").asText("");
        boolean delete = change instanceof MetricChange.Delete;
        boolean gone = delete && status == 404 && "not_found".equals(item.path("result").asText());
        if ((status >= 200 && status < 300) || gone || (status == 409 && type.startsWith("version_conflict"))) {
            if (status == 409 || gone) {
                // the index holds this version or a newer one, or (a delete) has no such document: already there
                alreadyThere++;
            }
            if (delete) {
                deleteActions++;
            } else {
                indexActions++;
            }
            refusals.acknowledged(change.id());
            return null;
        }
        if (status == 429 || status >= 500 || type.equals("es_rejected_execution_exception")
                || type.equals("opensearch_rejected_execution_exception")) {
            return status + " " + type;
        }
        String reason = error.path("reason").asText("");
        JsonNode cause = error.path("caused_by");
        String detail = cause.isObject() ? reason + " (" + cause.path("type").asText() + ": " + cause.path("reason").asText() + ")" : reason;
        if (status == 403 && type.equals("cluster_block_exception")) {
            throw new IndexBlockedException(IndexBlock.describe(target, status + " " + type + ": " + reason)
                    + "; checkpoint at batch " + checkpoint);
        }
        if (status == 400) {
            String refusal = oneLine(status + " " + type + ": " + detail);
            refusals.keep(change.id(), change.batch(), delete, refusal, delete ? null : documentOf(action));
            refused++;
            events.refused("document " + change.id() + " (batch " + change.batch() + ") refused by " + target + ": field " + fieldOf(reason)
                    + ": " + refusal + "; kept in sink_refused, the next sink sends it again");
            return null;
        }
        throw new MappingException(change.id(), change.batch(), fieldOf(reason), status + " " + type, detail);
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ");
    }

    /** The document line of an index action, as sent. */
    private static String documentOf(Action action) {
        String lines = new String(action.lines(), java.nio.charset.StandardCharsets.UTF_8);
        int newline = lines.indexOf('\n');
        return lines.substring(newline + 1).strip();
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
            checkpoints.advance(target, identity, batch);
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
                    + " Sync a new index, or delete its row of sink_index_checkpoints to send everything again";
            case BEFORE_DELETIONS_WERE_RECORDED -> "the checkpoint of " + target + " is batch " + e.since()
                    + ", but deletions are recorded only after batch " + e.bound() + ": sync a new index";
        };
    }
}
