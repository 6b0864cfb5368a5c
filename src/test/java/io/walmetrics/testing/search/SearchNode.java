package io.walmetrics.testing.search;

import static org.junit.jupiter.api.Assertions.fail;

import io.walmetrics.testing.JsonValues;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * A real OpenSearch 2.19 node in a child JVM: single-node discovery, disk thresholds off, no security plugin,
 * 127.0.0.1 on free ports, a 384 MB heap, its data in a temporary folder. {@link #shared()} starts one per test
 * JVM (it takes seconds) and stops it when the JVM ends; a test that stops, restarts or chokes a node starts
 * its own with {@link #start(String...)}.
 *
 * <p>When the node cannot start, the tests that need it skip with the reason, unless the environment says
 * {@code CI=true} or {@code WALMETRICS_SEARCH_REQUIRED=1}: then they fail.
 */
public final class SearchNode implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static SearchNode shared;
    private static String sharedFailure;

    private final Path home;
    private final int httpPort;
    private final int transportPort;
    private final List<String> settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    private SearchNode(Path home, int httpPort, int transportPort, List<String> settings) {
        this.home = home;
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.settings = settings;
    }

    /** The node of this test JVM, started on first use. */
    public static synchronized SearchNode shared() {
        if (shared == null && sharedFailure == null) {
            try {
                shared = start();
                SearchNode node = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(node::close, "search-node-stopper"));
            } catch (RuntimeException e) {
                sharedFailure = e.getMessage();
            }
        }
        if (shared == null) {
            unavailable(sharedFailure);
        }
        return shared;
    }

    /** A node of its own, with extra {@code name=value} settings (e.g. a tiny write queue). */
    public static SearchNode start(String... extraSettings) {
        try {
            Path home = Files.createTempDirectory("walmetrics-search-node");
            SearchNode node = new SearchNode(home, freePort(), freePort(), List.of(extraSettings));
            node.startProcess();
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips the test with the reason, or fails it where the node is required. */
    public static void unavailable(String reason) {
        String message = "no OpenSearch node for the sink tests: " + reason;
        if ("true".equals(System.getenv("CI")) || "1".equals(System.getenv("WALMETRICS_SEARCH_REQUIRED"))) {
            fail(message);
        }
        System.err.println("skipped: " + message);
        throw new TestAbortedException(message);
    }

    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Stops the node (SIGTERM, then SIGKILL) and keeps its data, for {@link #restart()}. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the node again on the same ports and data. */
    public void restart() {
        stop();
        startProcess();
    }

    /** Starts the node again on the same ports with an empty data folder: another cluster, as a node that lost its disk. */
    public void restartEmpty() {
        stop();
        try (Stream<Path> files = Files.walk(home.resolve("data"))) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startProcess();
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // a temporary folder
        }
    }

    private void startProcess() {
        // the test classpath holds OpenSearch (test scope) and SearchNodeMain
        String classpath = System.getProperty("java.class.path");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms384m", "-Xmx384m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                "-cp", classpath, SearchNodeMain.class.getName(), home.toString(),
                "cluster.name=walmetrics-test", "node.name=node-1", "discovery.type=single-node",
                "network.host=127.0.0.1", "http.port=" + httpPort, "transport.port=" + transportPort,
                "cluster.routing.allocation.disk.threshold_enabled=false", "action.auto_create_index=false"));
        command.addAll(settings);
        Path log = home.resolve("node.log");
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start java: " + e.getMessage());
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the node exited with " + process.exitValue() + ": " + tail(log));
            }
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                                URI.create(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sleep(200);
        }
        stop();
        throw new IllegalStateException("the node did not answer within " + START_TIMEOUT.toSeconds() + " s: " + tail(log));
    }

    // ---- what the tests ask the node

    /** A request to the node; fails the test on a connection error. */
    public Response send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", path.contains("_bulk") ? "application/x-ndjson" : "application/json");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A status and a body. */
    public record Response(int status, String body) {
        public Map<String, Object> json() {
            return JsonValues.parseObject(body);
        }
    }

    /** A stored document: its id, external version and source. */
    public record Document(String id, long version, Map<String, Object> source) {
    }

    /** Every document of the index after a refresh, by id (the tests' indexes hold at most 10,000). */
    @SuppressWarnings("unchecked")
    public Map<String, Document> documents(String index) {
        Response refresh = send("POST", "/" + index + "/_refresh", null);
        if (refresh.status() == 404) {
            return new java.util.TreeMap<>();
        }
        if (refresh.status() != 200) {
            throw new IllegalStateException("refresh " + index + ": " + refresh);
        }
        Response search = send("POST", "/" + index + "/_search", "{\"size\":10000,\"version\":true,\"query\":{\"match_all\":{}}}");
        if (search.status() != 200) {
            throw new IllegalStateException("search " + index + ": " + search);
        }
        Map<String, Object> hits = (Map<String, Object>) search.json().get("hits");
        Map<String, Document> documents = new java.util.TreeMap<>();
        for (Object hit : (List<Object>) hits.get("hits")) {
            Map<String, Object> h = (Map<String, Object>) hit;
            documents.put((String) h.get("_id"),
                    new Document((String) h.get("_id"), ((Number) h.get("_version")).longValue(), (Map<String, Object>) h.get("_source")));
        }
        return documents;
    }

    public void deleteIndex(String index) {
        send("DELETE", "/" + index + "?ignore_unavailable=true", null);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
