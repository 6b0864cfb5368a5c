package io.walmetrics.follow;

import io.walmetrics.load.LoadFailedException;
import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.load.Loader;
import io.walmetrics.load.WalInput;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.Wal2jsonV2.Message;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * {@code follow}: reads wal2json records straight from a logical replication slot and applies them
 * in batches through the same {@link Loader} route as {@code load}, confirming a position to the
 * slot only after the SQLite commit that holds it returned. A restart (after a crash, a lost
 * connection, a restarted server) makes the slot send again from the last confirmed position; the
 * ledger's LSN rule skips what the database holds already, so nothing is lost or applied twice.
 */
public final class Follower {

    /** Where follow says what it does: one line at a time. */
    public interface Printer {
        void line(String text);
    }

    /**
     * @param batchWindow   how long records are collected before a batch is applied
     * @param stopRequested once true, the batch in hand is applied and confirmed, and {@link #run} returns
     * @param schema        the PostgreSQL schema whose tables are the sources (public by default)
     */
    public record Options(String slot, boolean createSlot, Duration batchWindow, BooleanSupplier stopRequested,
                          boolean verbose, String schema) {
    }

    /** The schema of the source tables when none is named. */
    public static final String DEFAULT_SCHEMA = SourceCatalog.DEFAULT_SCHEMA;

    /**
     * A batch also ends at the first transaction's end once it holds this many changes or bytes of
     * wal2json text. Neither bounds memory (a batch streams into SQLite); they bound a batch's
     * SQLite transaction, and so the work a failed batch loses.
     */
    public static final long MAX_BATCH_CHANGES = 100_000;
    static final long MAX_BATCH_BYTES = 64L << 20;
    public static final String MAX_BATCH_RECORDS_TEXT = "100,000 changes or 64 MB of wal2json text";
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    private final PgSource source;
    private final Jdbi jdbi;
    private final Options options;
    private final Printer out;
    private final FollowState state;
    private final SourceSetup setup;

    private final Confirmed confirmed = new Confirmed();
    private long batchesApplied;
    private long changesLanded;

    public Follower(PgSource source, Jdbi jdbi, Options options, Printer out) {
        this.source = source;
        this.jdbi = jdbi;
        this.options = options;
        this.out = out;
        this.state = new FollowState(jdbi);
        this.setup = new SourceSetup(source, options.schema(), namesBySource(jdbi));
    }

    public long batchesApplied() {
        return batchesApplied;
    }

    public long changesLanded() {
        return changesLanded;
    }

    /** The last position confirmed to the slot by this run, or null. */
    public Lsn confirmedLsn() {
        return confirmed.position();
    }

    /**
     * Checks the slot (making it, with the snapshot, when asked to), then follows it until a stop is
     * asked for.
     *
     * @throws SourceProblem       for a problem of the source that waiting does not cure
     * @throws LoadFailedException for a batch that could not be applied (nothing of it is confirmed)
     */
    public void run() throws LoadFailedException, IOException, InterruptedException {
        prepare();
        int attempt = 0;
        while (!options.stopRequested().getAsBoolean()) {
            try {
                // the replica identities may have changed since the last session: check before every one
                try (Connection connection = source.connect()) {
                    setup.requireTables(connection);
                }
                if (stream(attempt)) {
                    return;
                }
            } catch (SQLException e) {
                SourceProblem problem = SourceProblem.of(e, source, options.slot());
                if (!problem.isTransient()) {
                    throw problem;
                }
                attempt++;
                Duration delay = delay(attempt);
                out.line(String.format(Locale.ROOT, "%s; reconnecting in %d s (attempt %d); nothing unconfirmed is lost,"
                        + " the slot sends it again", problem.getMessage(), delay.toSeconds(), attempt));
                if (!sleep(delay)) {
                    return;
                }
            }
        }
    }

    private static Duration delay(int attempt) {
        long millis = FIRST_RETRY.toMillis() << Math.min(attempt - 1, 10);
        return Duration.ofMillis(Math.min(millis, MAX_RETRY.toMillis()));
    }

    /** Sleeps, waking early for a stop; false when a stop was asked for. */
    private boolean sleep(Duration duration) throws InterruptedException {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            if (options.stopRequested().getAsBoolean()) {
                return false;
            }
            Thread.sleep(Math.max(1, Math.min(50, (until - System.nanoTime()) / 1_000_000)));
        }
        return !options.stopRequested().getAsBoolean();
    }

    // ---------------------------------------------------------------------------------------------
    // The slot, and the snapshot of a new one

    private record SlotOnServer(String plugin, String database, String currentDatabase, Lsn confirmedFlush) {
    }

    private enum Step { CREATE_WITH_SNAPSHOT, REMEMBER, NOTHING }

    /**
     * Checks everything before anything is made or written: the role, the source identity against
     * the database's, the source tables, then the slot. Only when all pass is the slot made, and
     * the identity recorded once the slot exists (a slot the server refuses to make leaves none).
     */
    private void prepare() throws LoadFailedException, IOException, InterruptedException {
        String slot = options.slot();
        SlotOnServer found;
        SourceIdentity identity;
        try (Connection connection = source.connect()) {
            setup.requireReplicationRole(connection);
            identity = SourceIdentity.ask(source, slot, options.schema());
            state.requireBelongsTo(identity, source);
            setup.requireTables(connection);
            found = findSlot(connection, slot);
        } catch (SQLException e) {
            throw SourceProblem.of(e, source, slot);
        }
        switch (decide(found)) {
            case CREATE_WITH_SNAPSHOT -> createWithSnapshot(identity);
            case REMEMBER -> {
                state.record(identity, source);
                state.remember(slot, source.url(), FollowState.Snapshot.NONE, null);
            }
            case NOTHING -> state.record(identity, source);
        }
    }

    private Step decide(SlotOnServer found) {
        String slot = options.slot();
        FollowState.Slot known = state.find(slot).orElse(null);
        boolean empty = state.databaseIsEmpty();
        if (known != null && known.snapshot() == FollowState.Snapshot.RUNNING) {
            SnapshotProcess runner = SnapshotProcess.of(jdbi, slot).orElse(null);
            if (runner != null && runner.liveness() == SnapshotProcess.Liveness.RUNNING) {
                throw new SourceProblem(source.display() + ": the initial snapshot of slot " + slot + " into this database is"
                        + " being made now by " + runner.describe() + ": wait for it to finish, or stop that follow", false, null);
            }
            if (!(found == null && empty)) {
                throw new SourceProblem(source.display() + ": " + SnapshotProcess.interrupted(slot), false, null);
            }
        }
        if (found == null) {
            if (!options.createSlot()) {
                throw new SourceProblem(source.display() + ": replication slot " + slot + " does not exist: create it with"
                        + " follow --create-slot (on a new database, so that the rows before it are copied first)", false, null);
            }
            if (!empty) {
                throw new SourceProblem(source.display() + ": replication slot " + slot + " does not exist, and this"
                        + " database holds batches already: a new slot starts now, so what changed since those batches"
                        + " would be missing; follow into a new --db", false, null);
            }
            return Step.CREATE_WITH_SNAPSHOT;
        }
        if (!"wal2json".equals(found.plugin())) {
            throw new SourceProblem(source.display() + ": replication slot " + slot + " decodes with " + found.plugin()
                    + ", not wal2json: give another --slot (follow --create-slot makes a wal2json one)", false, null);
        }
        if (!found.currentDatabase().equals(found.database())) {
            throw new SourceProblem(source.display() + ": replication slot " + slot + " belongs to database " + found.database()
                    + ", not " + found.currentDatabase() + ": name that database in --source", false, null);
        }
        if (known == null) {
            if (options.createSlot() && empty) {
                throw new SourceProblem(source.display() + ": replication slot " + slot + " exists already, made elsewhere:"
                        + " the moment to copy the rows before it is gone; follow it without --create-slot (no initial"
                        + " copy), or drop it (follow --drop-slot) and create it again", false, null);
            }
            return Step.REMEMBER;
        }
        return Step.NOTHING;
    }

    private static SlotOnServer findSlot(Connection connection, String slot) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                select plugin, database, current_database(), confirmed_flush_lsn::text
                from pg_replication_slots
                where slot_name = ? and slot_type = 'logical'""")) {
            query.setString(1, slot);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                String lsn = rows.getString(4);
                return new SlotOnServer(rows.getString(1), rows.getString(2), rows.getString(3), lsn == null ? null : Lsn.parse(lsn));
            }
        }
    }

    /**
     * Makes the slot with an exported snapshot and lands every row that existed at its consistent
     * point, read inside that snapshot, as inserts. follow_source says 'running' from before the
     * slot exists until the last row is committed, so a crash in between is never taken for a
     * complete copy.
     */
    private void createWithSnapshot(SourceIdentity identity) throws LoadFailedException, IOException, InterruptedException {
        String slot = options.slot();
        SnapshotProcess.claim(jdbi, slot); // before 'running', so that status can tell whether this process still runs it
        state.remember(slot, source.url(), FollowState.Snapshot.RUNNING, null);
        long started = System.nanoTime();
        Lsn consistentPoint;
        Connection snapshot = null;
        try (Connection replication = source.connectForReplication(); Statement command = replication.createStatement()) {
            String snapshotName;
            try (ResultSet created = command.executeQuery("CREATE_REPLICATION_SLOT " + slot + " LOGICAL wal2json EXPORT_SNAPSHOT")) {
                created.next();
                consistentPoint = Lsn.parse(created.getString("consistent_point"));
                snapshotName = created.getString("snapshot_name");
            }
            state.remember(slot, source.url(), FollowState.Snapshot.RUNNING, consistentPoint);
            state.record(identity, source);
            out.line("created replication slot " + slot + " on " + source.display() + " at LSN " + consistentPoint
                    + "; copying the rows that existed then (snapshot " + snapshotName + ")");
            // the exported snapshot lives while the replication session runs no other command: import it now
            snapshot = source.connect();
            snapshot.setAutoCommit(false);
            snapshot.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement set = snapshot.createStatement()) {
                set.execute("set transaction snapshot '" + snapshotName.replace("'", "''") + "'");
            }
        } catch (SQLException e) {
            closeQuietly(snapshot);
            throw SourceProblem.of(e, source, slot);
        }
        long rows;
        try (Connection reading = snapshot) {
            rows = landSnapshot(reading, consistentPoint);
            reading.rollback();
        } catch (SQLException e) {
            throw SourceProblem.of(e, source, slot);
        }
        state.snapshotDone(slot, rows);
        double seconds = (System.nanoTime() - started) / 1e9;
        out.line(String.format(Locale.ROOT, "snapshot: %,d rows landed in %.1f s (%,.0f rows/s); %,d metric rows now",
                rows, seconds, rows / Math.max(seconds, 1e-9), metricRows()));
    }

    /** Streams the snapshot's rows through the Loader as one input of large batches (the backfill route). */
    private long landSnapshot(Connection reading, Lsn consistentPoint) throws LoadFailedException, IOException,
            SQLException, InterruptedException {
        List<String> tables = setup.walTables();
        SnapshotReader reader = new SnapshotReader(reading, options.schema());
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream pipe = new PipedOutputStream(in);
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try (pipe) {
                reader.write(tables, pipe);
            } catch (Exception e) {
                failed.set(e);
            }
        }, "snapshot-reader");
        producer.start();
        String name = "snapshot of slot " + options.slot();
        LoadReport report;
        try (in) {
            report = new Loader(jdbi).load(new WalInput(name,
                    "postgresql://" + source.display() + " slot " + options.slot() + " snapshot at " + consistentPoint, in),
                    new LoadOptions(null, false, null).withSourceSchema(options.schema()));
        } catch (LoadFailedException e) {
            producer.join();
            rethrowSourceFailure(failed.get());
            throw e;
        }
        producer.join();
        rethrowSourceFailure(failed.get());
        batchesApplied += report.batchesApplied();
        changesLanded += report.changesLanded();
        return reader.rows();
    }

    private static void rethrowSourceFailure(Exception failure) throws SQLException, IOException {
        if (failure instanceof SQLException sql) {
            throw sql;
        }
        if (failure instanceof IOException io && !"Pipe closed".equals(io.getMessage())) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
    }


    /** Each source of the catalog with the table names wal2json may write for it, sorted. */
    private static SortedMap<String, List<String>> namesBySource(Jdbi jdbi) {
        return jdbi.withHandle(handle -> {
            SourceCatalog catalog = SourceCatalog.load(handle);
            SortedMap<String, List<String>> names = new TreeMap<>();
            for (String table : new TreeSet<>(catalog.walTables())) {
                names.computeIfAbsent(catalog.walTable(table).source().source(), name -> new ArrayList<>()).add(table);
            }
            return names;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Streaming

    /**
     * One replication session: true when it ended because a stop was asked for (the batch in hand
     * applied and confirmed), an exception when the connection failed.
     */
    private boolean stream(int reconnectAttempt) throws SQLException, LoadFailedException, InterruptedException, IOException {
        try (Connection connection = source.connectForReplication()) {
            PGConnection pg = connection.unwrap(PGConnection.class);
            PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical()
                    .withSlotName(options.slot())
                    .withSlotOption("format-version", 2)
                    .withSlotOption("include-xids", true)
                    .withSlotOption("include-lsn", true)
                    .withSlotOption("include-timestamp", true)
                    .withSlotOption("add-tables", addTables())
                    .withStatusInterval(1, TimeUnit.SECONDS)
                    // the driver would otherwise move the flushed position to a keepalive's server position
                    // whenever the last message began at or below it: a transaction that began before the
                    // confirmed position, confirmed before SQLite committed it (docs/follow.md)
                    .withAutomaticFlush(false)
                    .start();
            // the driver's own stand-by replies carry what is committed from the first one on
            confirmed.tell(stream);
            try {
                LogSequenceNumber startedAt = stream.getLastReceiveLSN();
                out.line(String.format(Locale.ROOT, "%s slot %s of %s, batches every %s s; SIGTERM or Ctrl-C stops after"
                                + " the batch in hand", reconnectAttempt == 0 ? "following" : "reconnected: following",
                        options.slot(), source.display(), seconds(options.batchWindow())));
                if (options.verbose()) {
                    out.line("stream started at " + startedAt.asString());
                }
                return follow(new SlotStream(stream));
            } finally {
                try {
                    stream.close();
                } catch (SQLException closing) {
                    // the connection is gone; what is confirmed is confirmed
                }
            }
        }
    }

    /**
     * Reads the session's messages between batches: a change of ours begins a batch, which the
     * Loader reads from the stream to its end; transactions without changes of ours, and the
     * server's keepalives, move the confirmed position on when nothing received is uncommitted.
     */
    private boolean follow(SlotStream stream) throws SQLException, LoadFailedException, InterruptedException, IOException {
        while (true) {
            if (options.stopRequested().getAsBoolean()) {
                // between batches nothing received is uncommitted; an open transaction without changes of ours is sent again
                confirmed.send(stream.replicationStream());
                return true;
            }
            Message message = stream.poll();
            if (message == null) {
                if (!stream.inTransaction()) {
                    // nothing received is uncommitted: what the server says it sent holds nothing of ours
                    confirmed.advance(stream.receivedPosition(), stream.replicationStream());
                }
                Thread.sleep(10);
                continue;
            }
            switch (message.action()) {
                case COMMIT -> confirmed.advance(message.nextLsn(), stream.replicationStream());
                case CHANGE -> apply(stream, message);
                default -> {
                    // a B opens a transaction (the stream knows it); a message outside transactions is not ours
                }
            }
        }
    }

    /**
     * Applies the batch that begins with {@code firstChange}, streaming it from the slot into the
     * Loader, then, and only once it is committed, confirms the nextlsn of its last transaction.
     */
    private void apply(SlotStream stream, Message firstChange) throws SQLException, LoadFailedException, IOException {
        long started = System.nanoTime();
        SlotBatch batch = new SlotBatch(stream, firstChange, options.batchWindow(), options.stopRequested());
        String display = "slot " + options.slot();
        // the ledger knows a follow batch by its slot and range: the same range is the same content
        String slotName = "postgresql://" + source.display() + " slot " + options.slot();
        LoadReport report;
        try {
            report = new Loader(jdbi).load(batch, display, () -> batch.ledgerName(slotName),
                    new LoadOptions(null, false, null).withSourceSchema(options.schema()));
        } catch (LoadFailedException failed) {
            if (failed.getCause() instanceof SlotBatch.SourceFailure lost) {
                throw lost.sql(); // the connection, not the batch: reconnect, the slot sends it again
            }
            throw failed;
        }
        // committed: now the slot may forget it
        confirmed.advance(batch.endPosition(), stream.replicationStream());
        confirmed.send(stream.replicationStream());
        batchesApplied += report.batchesApplied();
        changesLanded += report.changesLanded();
        String skipped = report.changesSkippedByLsn() == 0 ? ""
                : String.format(Locale.ROOT, ", %,d skipped (applied before)", report.changesSkippedByLsn());
        out.line(String.format(Locale.ROOT, "%s: %,d transactions, %,d changes landed%s, %,d rejected; %,d metric rows now;"
                        + " confirmed up to LSN %s (%.2f s)", display, batch.transactions(), report.changesLanded(), skipped,
                report.changesRejected(), report.metricRows(), confirmed.position(), (System.nanoTime() - started) / 1e9));
        if (options.verbose()) {
            StringBuilder phases = new StringBuilder("  where the time went:");
            report.phaseSeconds().forEach((phase, seconds) -> phases.append(String.format(Locale.ROOT, " %s %.2f s", phase, seconds)));
            out.line(phases.toString());
        }
    }

    /** The source tables of the chosen schema only, in wal2json's pattern syntax. */
    private String addTables() {
        return setup.addTables();
    }

    private long metricRows() {
        return jdbi.withHandle(handle -> handle.createQuery("select count(*) from metrics").mapTo(Long.class).one());
    }

    private static String seconds(Duration duration) {
        double value = duration.toNanos() / 1e9;
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Dropping the slot

    /** Drops the slot on the server; false when there was none. */
    public static boolean dropSlot(PgSource source, String slot) {
        try (Connection connection = source.connect()) {
            if (findSlot(connection, slot) == null) {
                return false;
            }
            try (PreparedStatement drop = connection.prepareStatement("select pg_drop_replication_slot(?)")) {
                drop.setString(1, slot);
                drop.execute();
            }
            return true;
        } catch (SQLException e) {
            throw SourceProblem.of(e, source, slot);
        }
    }
}
