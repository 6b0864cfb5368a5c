package io.walmetrics.bench;

import io.walmetrics.follow.PgSource;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code bench --follow-source URL}: follow against a real PostgreSQL, in a database of its own it
 * makes on that server (and drops after): the snapshot of existing rows (rows/s), the latency from a
 * PostgreSQL commit to its metric row visible in SQLite with {@code --batch-seconds 1} (p50, p95),
 * and catch-up of a slot holding a backlog of changes written while follow was stopped (changes/s,
 * JVM start included). Each flow is four rows, one per source table, that join to one metric row.
 */
public final class FollowBenchmark {

    private static final String DATABASE = "walmetrics_bench_follow";
    private static final String SLOT = "walmetrics_bench";
    private static final Set<String> BUILT_IN = Set.of("uuid", "bigint", "integer", "boolean", "jsonb", "text",
            "timestamp without time zone");
    private static final Pattern SNAPSHOT_LINE = Pattern.compile("snapshot: ([0-9,]+) rows landed in ([0-9.]+) s");

    private final PgSource server;
    private final String serverUrl;
    private final Path workDir;
    private final int snapshotRows;
    private final int backlogChanges;
    private final int latencySamples;
    private final PrintWriter out;

    public FollowBenchmark(String serverUrl, Path workDir, int snapshotRows, int backlogChanges, int latencySamples,
                           PrintWriter out) throws IOException {
        this.server = PgSource.of(serverUrl, System.getenv(), null);
        this.serverUrl = serverUrl;
        this.workDir = workDir;
        this.snapshotRows = snapshotRows;
        this.backlogChanges = backlogChanges;
        this.latencySamples = latencySamples;
        this.out = out;
    }

    public void run() throws Exception {
        Files.createDirectories(workDir);
        Path db = workDir.resolve("follow.db");
        Files.deleteIfExists(db);
        Jdbi jdbi = LoaderDatabase.openToWrite(db, false, LockWait.SILENT);
        recreateDatabase();
        String url = urlOf(DATABASE);
        Process follow = null;
        try (Connection source = PgSource.of(url, System.getenv(), null).connect()) {
            createTables(source, jdbi);
            int flows = snapshotRows / 4;
            long started = System.nanoTime();
            insertFlows(source, 0, flows, 10_000);
            out.printf(Locale.ROOT, "follow: %,d existing rows written to PostgreSQL in %.1f s%n", flows * 4,
                    (System.nanoTime() - started) / 1e9);
            out.flush();

            // snapshot, then live latency with one-second batches
            Path log = workDir.resolve("follow-1.log");
            follow = startFollow(url, db, log, "--create-slot");
            awaitLine(follow, log, "following slot", 3_600);
            Matcher snapshot = SNAPSHOT_LINE.matcher(Files.readString(log));
            if (snapshot.find()) {
                double rows = Double.parseDouble(snapshot.group(1).replace(",", ""));
                double seconds = Double.parseDouble(snapshot.group(2));
                out.printf(Locale.ROOT, "follow: snapshot of %,.0f rows: %.1f s, %,.0f rows/s (landing included)%n",
                        rows, seconds, rows / seconds);
            }
            out.flush();
            latency(source, jdbi, flows);
            stop(follow);

            // a backlog while follow is stopped, then catch-up
            int backlogFlows = backlogChanges / 4;
            int from = flows + latencySamples;
            insertFlows(source, from, backlogFlows, 10);
            long metricsWanted = countMetrics(jdbi) + backlogFlows;
            log = workDir.resolve("follow-2.log");
            long catchUpStarted = System.nanoTime();
            follow = startFollow(url, db, log);
            while (countMetrics(jdbi) < metricsWanted) {
                if (!follow.isAlive()) {
                    throw new IllegalStateException("follow ended: " + Files.readString(log));
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - catchUpStarted) / 1e9;
            out.printf(Locale.ROOT, "follow: catch-up of %,d changes (%,d transactions of 40): %.1f s, %,.0f changes/s"
                    + " (JVM start included)%n", backlogFlows * 4, backlogFlows / 10, seconds, backlogFlows * 4 / seconds);
            out.flush();
            stop(follow);
            follow = null;
        } finally {
            if (follow != null) {
                follow.destroyForcibly();
                follow.waitFor();
            }
            dropDatabase();
        }
    }

    private void latency(Connection source, Jdbi jdbi, int firstFlow) throws Exception {
        Random random = new Random(42);
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < latencySamples; i++) {
            Thread.sleep(random.nextInt(700));
            int flow = firstFlow + i;
            insertFlows(source, flow, 1, 1);
            long committed = System.nanoTime();
            String id = uuid("e", flow);
            while (!jdbi.withHandle(handle -> handle.createQuery("select exists (select 1 from metrics where id = :id)")
                    .bind("id", id).mapTo(Boolean.class).one())) {
                Thread.sleep(2);
            }
            millis.add((System.nanoTime() - committed) / 1e6);
        }
        List<Double> sorted = millis.stream().sorted().toList();
        out.printf(Locale.ROOT, "follow: latency from a PostgreSQL commit to its metric row in SQLite, --batch-seconds 1,"
                        + " %d commits: p50 %.0f ms, p95 %.0f ms, max %.0f ms%n", sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1), sorted.get(sorted.size() - 1));
        out.flush();
    }

    // ---- PostgreSQL

    private String urlOf(String database) {
        String prefix = "jdbc:postgresql://";
        int slash = serverUrl.indexOf('/', prefix.length());
        int query = serverUrl.indexOf('?');
        return serverUrl.substring(0, slash + 1) + database + (query < 0 ? "" : serverUrl.substring(query));
    }

    private void recreateDatabase() throws SQLException {
        dropDatabase();
        try (Connection admin = server.connect(); Statement statement = admin.createStatement()) {
            statement.execute("create database " + DATABASE);
        }
    }

    private void dropDatabase() throws SQLException {
        try (Connection admin = server.connect(); Statement statement = admin.createStatement()) {
            statement.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '" + SLOT + "'");
            statement.execute("drop database if exists " + DATABASE + " with (force)");
        }
    }

    /** The four published tables, with the catalog's types (enum types made with the values the bench writes). */
    private static void createTables(Connection source, Jdbi jdbi) throws SQLException {
        Map<String, List<String[]>> tables = new LinkedHashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("""
                        select c.source, c.column_name, c.pg_type, t.key_column
                        from source_column as c
                        join source_table as t on t.source = c.source
                        order by c.source, c.ordinal""")
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)})
                .forEach(row -> tables.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row)));
        Set<String> enums = new LinkedHashSet<>();
        tables.values().forEach(columns -> columns.stream().map(c -> c[2])
                .filter(type -> !BUILT_IN.contains(type) && !type.startsWith("character")).forEach(enums::add));
        try (Statement ddl = source.createStatement()) {
            for (String type : enums) {
                ddl.execute("create type " + type + " as enum ('AUTHORIZED', 'SALE', 'OTHER')");
            }
            for (var table : tables.entrySet()) {
                StringBuilder create = new StringBuilder("create table " + table.getKey() + " (");
                for (String[] column : table.getValue()) {
                    create.append('"').append(column[1]).append("\" ").append(column[2]).append(", ");
                }
                create.append("primary key (\"").append(table.getValue().get(0)[3]).append("\"))");
                ddl.execute(create.toString());
            }
        }
    }

    /** Flows {@code from} to {@code from + count - 1}, {@code perTransaction} flows (4 rows each) a transaction. */
    private static void insertFlows(Connection source, int from, int count, int perTransaction) throws SQLException {
        String[] statements = {
            """
            insert into payment_instrument_token (token_id, payment_instrument_type, vault_data, three_d_secure_authentication)
            select 'tok-' || i, 'PAYMENT_CARD', jsonb_build_object('customer_id', 'cus-' || i), '{"version": "2.2"}'
            from generate_series(?, ?) as i""",
            """
            insert into transaction_request (transaction_request_id, flow_id, token_id, vault_options, created_at, amount, currency_code)
            select md5('r' || i)::uuid, md5('f' || i)::uuid, 'tok-' || i, '{"payment_method": "NEVER"}',
                   timestamp '2026-12-01 10:00:00' + i * interval '1 second', i % 100000, 'GBP'
            from generate_series(?, ?) as i""",
            """
            insert into transaction (transaction_id, transaction_type, amount, currency_code, processor_merchant_account_id, created_at)
            select md5('t' || i)::uuid, 'SALE', i % 100000, 'GBP', md5('m' || (i % 7))::uuid,
                   timestamp '2026-12-01 10:00:00' + i * interval '1 second'
            from generate_series(?, ?) as i""",
            """
            insert into event (id, flow_id, transaction_id, created_at, transaction_lifecycle_event, error_details)
            select md5('e' || i)::uuid, md5('f' || i)::uuid, md5('t' || i)::uuid,
                   timestamp '2026-12-01 10:00:00' + i * interval '1 second', 'AUTHORIZED', '{"decline_reason": null}'
            from generate_series(?, ?) as i"""};
        boolean autoCommit = source.getAutoCommit();
        source.setAutoCommit(false);
        try {
            List<PreparedStatement> prepared = new ArrayList<>();
            for (String sql : statements) {
                prepared.add(source.prepareStatement(sql));
            }
            for (int first = from; first < from + count; first += perTransaction) {
                int last = Math.min(first + perTransaction, from + count) - 1;
                for (PreparedStatement statement : prepared) {
                    statement.setInt(1, first);
                    statement.setInt(2, last);
                    statement.executeUpdate();
                }
                source.commit();
            }
            for (PreparedStatement statement : prepared) {
                statement.close();
            }
        } finally {
            source.setAutoCommit(autoCommit);
        }
    }

    private static String uuid(String prefix, int i) throws Exception {
        byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest((prefix + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String hex = java.util.HexFormat.of().formatHex(md5);
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20)
                + "-" + hex.substring(20);
    }

    private static long countMetrics(Jdbi jdbi) {
        return jdbi.withHandle(handle -> handle.createQuery("select count(*) from metrics").mapTo(Long.class).one());
    }

    // ---- the follow process

    private Process startFollow(String url, Path db, Path log, String... extra) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("follow", "--source", url, "--slot", SLOT, "--db", db.toString(),
                "--batch-seconds", "1"));
        arguments.addAll(List.of(extra));
        List<String> command = LoaderCommandLine.of(List.of(), arguments);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static void awaitLine(Process process, Path log, String text, int seconds) throws Exception {
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        while (!Files.readString(log).contains(text)) {
            if (!process.isAlive() || System.nanoTime() > until) {
                throw new IllegalStateException("follow did not start: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy(); // SIGTERM: the batch in hand is applied and confirmed
        process.waitFor();
    }
}
