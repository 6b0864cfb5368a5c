package io.walmetrics.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import io.walmetrics.load.LoadFailedException;
import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.Loader;
import io.walmetrics.load.WalInput;
import io.walmetrics.schema.Database;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.wal.Json;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Measures the loader against the targets of docs/measured.md#targets and prints a table: backfill throughput and
 * peak memory of a whole {@code load} in a process of its own (JVM start included), the cost of
 * one 24-record batch on databases already holding many metric rows, and the cold start of a
 * one-batch load. Numbers, never assertions: the machine is shared and noisy.
 */
public final class Benchmark {

    /**
     * @param backfillFlows  generated flows for each backfill file (about 6.5 changes a flow)
     * @param steadyRows     metric rows already in the database, one steady-state run each
     * @param steadyBatches  24-record batches measured per run, after as many to warm up
     * @param sinkUrl        a search node to measure {@code sink} into with the first backfill's metrics, or null
     * @param quick          inputs too small to measure a backfill: its wall time is mostly JVM start, so no
     *                       changes/s figure is printed for it, only that it ran and the loader's own seconds
     */
    public record Options(Path workDir, List<Integer> backfillFlows, List<Integer> steadyRows, int steadyBatches,
                          int coldRuns, String sinkUrl, boolean quick) {
    }

    private static final int WARM_UP_BATCHES = 30;
    /** How {@code load --json} names a phase timer: {@code read_seconds}, {@code log_wait_seconds}, … */
    private static final String PHASE_SUFFIX = "_seconds";

    private final Options options;
    private final PrintWriter out;

    public Benchmark(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    public void run() throws IOException, InterruptedException, LoadFailedException {
        Files.createDirectories(options.workDir());
        out.printf(Locale.ROOT, "machine: %d cores, %s, Java %s; work in %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("java.version"), options.workDir());
        out.flush();
        for (int flows : options.backfillFlows()) {
            backfill(flows);
        }
        if (options.sinkUrl() != null && !options.backfillFlows().isEmpty()) {
            sink(options.backfillFlows().get(0));
        }
        Path coldDb = null;
        List<double[]> steady = new ArrayList<>();
        for (int rows : options.steadyRows()) {
            Path db = options.workDir().resolve("steady-" + rows + ".db");
            steady.add(steadyState(db, rows));
            if (coldDb == null) {
                coldDb = db;
            }
        }
        if (steady.size() > 1) {
            double ratio = steady.get(steady.size() - 1)[0] / steady.get(0)[0];
            out.printf(Locale.ROOT, "steady state: median at %,d rows / median at %,d rows = %.2f (target <= 2)%n",
                    options.steadyRows().get(options.steadyRows().size() - 1), options.steadyRows().get(0), ratio);
        }
        if (coldDb != null) {
            coldStart(coldDb);
        }
        out.flush();
    }

    // ---- backfill: a whole load in a process of its own

    private void backfill(int flows) throws IOException, InterruptedException {
        Path wal = options.workDir().resolve("backfill-" + flows + "-flows.json");
        if (!Files.exists(wal)) {
            try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(wal), 1 << 16)) {
                WalGenerator.write(new WalGenerator.Options(1, flows, Naming.PUBLISHED, Shape.BATCHES), stream);
            }
        }
        // with the JVM's own heap sizing, then with the heap a loader needs (docs/measured.md, Memory)
        for (List<String> jvm : List.of(List.<String>of(), List.of("-Xmx128m"))) {
            Path db = options.workDir().resolve("backfill-" + flows + ".db");
            deleteDatabase(db);
            List<String> arguments = new ArrayList<>(jvm);
            arguments.addAll(List.of("load", "--json", "--db", db.toString(), wal.toString()));
            long started = System.nanoTime();
            ProcessResult result = runLoader(arguments);
            double wall = (System.nanoTime() - started) / 1e9;
            Map<String, Double> summary = parseFlatJson(result.stdout());
            double changes = summary.getOrDefault("changes_landed", 0.0);
            if (options.quick()) {
                // a few hundred changes load in well under the JVM's start-up time: a rate would measure the JVM
                out.printf(Locale.ROOT, "backfill %,d flows (%,.0f changes), JVM %s: ran in %.1f s wall, exit %d"
                                + " (--quick: too small for a changes/s figure)%n",
                        flows, changes, jvm.isEmpty() ? "defaults" : String.join(" ", jvm), wall, result.exitCode());
            } else {
                out.printf(Locale.ROOT, "backfill %,d flows (%,.0f changes, %,d MB), JVM %s: %.1f s wall, %,.0f changes/s,"
                                + " peak RSS %.0f MB (target >= %,d/s and <= 300 MB)%n",
                        flows, changes, Files.size(wal) >> 20, jvm.isEmpty() ? "defaults" : String.join(" ", jvm), wall,
                        changes / wall, summary.getOrDefault("peak_rss_mb", 0.0), flows >= 100_000 ? 40_000 : 45_000);
            }
            out.printf(Locale.ROOT, "  in the loader %.1f s: %s%n", summary.getOrDefault("seconds", 0.0), phaseProfile(summary));
            if (result.exitCode() != 0) {
                out.println("  the load failed: " + result.stderr().strip());
            }
            out.flush();
        }
    }

    // ---- sink: the backfill's metrics into a fresh index of a real node, in a process of its own

    private void sink(int flows) throws IOException, InterruptedException {
        Path db = options.workDir().resolve("backfill-" + flows + ".db");
        String index = "walmetrics-bench-" + flows + "-" + System.currentTimeMillis();
        long started = System.nanoTime();
        ProcessResult result = runLoader(List.of("sink", "--json", "--url", options.sinkUrl(), "--index", index, "--db", db.toString()));
        double wall = (System.nanoTime() - started) / 1e9;
        Map<String, Double> summary = parseFlatJson(result.stdout());
        double documents = summary.getOrDefault("index_actions", 0.0) + summary.getOrDefault("delete_actions", 0.0);
        double seconds = summary.getOrDefault("seconds", 0.0);
        out.printf(Locale.ROOT, "sink %,d flows' metrics (%,.0f documents) into %s: %.1f s wall, %.1f s in the round,"
                        + " %,.0f documents/s (measured; no target set)%n",
                flows, documents, options.sinkUrl(), wall, seconds, seconds > 0 ? documents / seconds : 0.0);
        if (result.exitCode() != 0) {
            out.println("  the sink failed: " + result.stderr().strip());
        }
        // the index was made for this measurement only
        try {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(options.sinkUrl().replaceAll("/+$", "") + "/" + index)).DELETE().build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            out.println("  could not delete index " + index + ": " + e.getMessage());
        }
        out.flush();
    }

    // ---- steady state: one batch at a time on a database already holding many metrics

    private double[] steadyState(Path db, int rows) throws IOException, LoadFailedException {
        long filling = System.nanoTime();
        if (!Files.exists(db)) {
            Jdbi jdbi = LoaderDatabase.openToWrite(db, false, LockWait.SILENT);
            jdbi.useHandle(handle -> BulkFill.flows(handle, rows));
        }
        double fillSeconds = (System.nanoTime() - filling) / 1e9;
        Jdbi jdbi = Database.open(db);
        long metricRows = jdbi.withHandle(handle -> handle.createQuery("select count(*) from metrics").mapTo(Long.class).one());

        int batches = WARM_UP_BATCHES + options.steadyBatches();
        Path wal = options.workDir().resolve("steady-" + rows + "-batches.json");
        try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(wal), 1 << 16)) {
            // a stream of records cut into 24-record batches; flows new to the database
            WalGenerator.write(new WalGenerator.Options(1000L + rows, batches * 24 / 5 + 10, Naming.PUBLISHED, Shape.STREAM),
                    stream);
        }
        List<Long> nanos = new ArrayList<>();
        LoadOptions loadOptions = new LoadOptions(24, true, null, (batchNo, applied, took) -> {
            if (batchNo > WARM_UP_BATCHES && batchNo <= batches) {
                nanos.add(took);
            }
        });
        new Loader(jdbi).load(WalInput.of(wal.toString()), loadOptions);
        nanos.sort(Long::compare);
        double median = nanos.get(nanos.size() / 2) / 1e6;
        double p95 = nanos.get((int) Math.ceil(nanos.size() * 0.95) - 1) / 1e6;
        out.printf(Locale.ROOT, "steady state at %,d metric rows: one 24-record batch median %.2f ms, p95 %.2f ms over %d batches"
                        + " (target at 1,000,000: median <= 3 ms, p95 <= 10 ms)%s%n",
                metricRows, median, p95, nanos.size(), fillSeconds > 1 ? String.format(Locale.ROOT, "; filled in %.0f s", fillSeconds) : "");
        out.flush();
        return new double[] {median, p95};
    }

    // ---- cold start: a one-batch load into an existing database, as a process of its own

    private void coldStart(Path db) throws IOException, InterruptedException {
        Path wal = options.workDir().resolve("cold-one-batch.json");
        try (OutputStream stream = Files.newOutputStream(wal)) {
            WalGenerator.write(new WalGenerator.Options(7, 2, Naming.PUBLISHED, Shape.RECORDS), stream);
        }
        List<Double> walls = new ArrayList<>();
        for (int run = 0; run < options.coldRuns(); run++) {
            long started = System.nanoTime();
            runLoader(List.of("load", "--reprocess", "--db", db.toString(), wal.toString()));
            walls.add((System.nanoTime() - started) / 1e9);
        }
        walls.sort(Double::compare);
        out.printf(Locale.ROOT, "cold start: load of one batch into an existing database, median %.2f s wall over %d runs"
                + " (target <= 1 s)%n", walls.get(walls.size() / 2), walls.size());
    }

    // ---- helpers

    private record ProcessResult(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs the loader in a JVM of its own, from the jar this class came from (or the classpath);
     * leading arguments that start with "-X" go to the JVM.
     */
    private ProcessResult runLoader(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = LoaderCommandLine.of(
                arguments.stream().takeWhile(argument -> argument.startsWith("-X")).toList(),
                arguments.stream().dropWhile(argument -> argument.startsWith("-X")).toList());
        File stderr = Files.createTempFile("bench", ".err").toFile();
        Process process = new ProcessBuilder(command).redirectError(stderr).start();
        String stdout = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(2, TimeUnit.HOURS)) {
            process.destroyForcibly();
        }
        String errors = Files.readString(stderr.toPath());
        Files.delete(stderr.toPath());
        return new ProcessResult(process.exitValue(), stdout, errors);
    }

    /**
     * Every phase timer of a {@code load --json} summary, in the loader's order ("read 1.0, land 3.6,
     * …"): the loader's phase list is the one place that names them.
     */
    private static String phaseProfile(Map<String, Double> summary) {
        return summary.entrySet().stream()
                .filter(entry -> entry.getKey().endsWith(PHASE_SUFFIX))
                .map(entry -> String.format(Locale.ROOT, "%s %.1f",
                        entry.getKey().substring(0, entry.getKey().length() - PHASE_SUFFIX.length()).replace('_', ' '),
                        entry.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static Map<String, Double> parseFlatJson(String json) throws IOException {
        Map<String, Double> values = new LinkedHashMap<>();
        if (json.isBlank()) {
            return values;
        }
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token.isNumeric()) {
                    values.put(parser.currentName(), parser.getDoubleValue());
                }
            }
        }
        return values;
    }

    private static void deleteDatabase(Path db) throws IOException {
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
    }

    /** Fills a fresh database with joined rows straight in SQL, far faster than loading WAL. */
    static final class BulkFill {

        private BulkFill() {
        }

        static void flows(Handle handle, int flows) {
            String numbers = "with recursive n(i) as (select 1 union all select i + 1 from n where i < " + flows + ") ";
            handle.execute("begin");
            handle.execute("insert into current_payment_instrument_token (token_id, token_type, payment_instrument_type,"
                    + " payment_instrument_data, vault_data, changed_by_seq) " + numbers
                    + "select 'bench-token-' || i, 'SINGLE_USE', 'PAYMENT_CARD',"
                    + " json_object('last_4_digits', substr('000' || i, -4), 'padding', hex(randomblob(120))),"
                    + " json_object('customer_id', 'cust-' || (i % 5000)), 0 from n");
            handle.execute("insert into current_transaction (transaction_id, transaction_type, date, processor_merchant_account_id,"
                    + " amount, currency_code, direction, status, created_at, updated_at, payment_id, token_id, changed_by_seq) "
                    + numbers + "select 'bench-transaction-' || i, 'SALE', '2021-06-03 07:00:00.000000',"
                    + " '776249f3-a050-579b-b525-55f232140c4b', 100 + i % 100000, 'GBP', 'DEBIT', 'AUTHORIZED',"
                    + " '2021-06-03 07:00:00.000000', '2021-06-03 07:00:00.000000', 'bench-payment-' || i, 'bench-token-' || i, 0 from n");
            handle.execute("insert into current_transaction_request (transaction_request_id, transaction_request_type,"
                    + " transaction_id, created_at, amount, currency_code, flow_id, vault_options, token_id, customer_details,"
                    + " changed_by_seq) " + numbers + "select 'bench-request-' || i, 'AUTHORIZATION_REQUEST',"
                    + " 'bench-transaction-' || i, '2021-06-03 07:00:01.000000', 100 + i % 100000, 'GBP', 'bench-flow-' || i,"
                    + " '{\"payment_method\": \"NEVER\"}', 'bench-token-' || i,"
                    + " json_object('customer_id', i, 'padding', hex(randomblob(80))), 0 from n");
            handle.execute("insert into current_event (id, event_sort_id, date, event_type, flow_id, transaction_id,"
                    + " transaction_lifecycle_event, third_party_response, created_at, error_details, transaction_request_id,"
                    + " changed_by_seq) " + numbers + "select 'bench-event-' || i, i, '2021-06-03 07:00:02.000000',"
                    + " 'TRANSACTION_LIFECYCLE_EVENT', 'bench-flow-' || i, 'bench-transaction-' || i, 'AUTHORIZED',"
                    + " json_object('status', 200, 'content', hex(randomblob(300))), '2021-06-03 07:00:02.000000',"
                    + " case when i % 3 = 0 then '{\"decline_type\": \"SOFT_DECLINE\", \"decline_reason\": \"DO_NOT_HONOR\"}' end,"
                    + " 'bench-request-' || i, 0 from n");
            handle.execute("delete from affected_key");
            handle.execute("insert into metrics (id, flow_id, created_at, transaction_lifecycle_event, decline_reason,"
                    + " decline_type, payment_method, transaction_id, transaction_type, amount, currency_code,"
                    + " processor_merchant_account_id, three_d_secure_authentication, payment_instrument_type, customer_id,"
                    + " updated_in_batch) select id, flow_id, created_at, transaction_lifecycle_event, decline_reason,"
                    + " decline_type, payment_method, transaction_id, transaction_type, amount, currency_code,"
                    + " processor_merchant_account_id, three_d_secure_authentication, payment_instrument_type, customer_id, 0"
                    + " from current_metric");
            handle.execute("commit");
        }
    }
}
