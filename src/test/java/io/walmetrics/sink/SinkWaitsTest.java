package io.walmetrics.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink against the faults a network gives: a port that takes connections and never answers (a server socket
 * of the test: the fault itself), a port nothing listens on, and a proxy that answers 200 with a web page.
 */
class SinkWaitsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private ServerSocket silent;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void database() {
        new TestDb(dir).load(Path.of("data/wal.json"));
    }

    @AfterEach
    void closeServer() throws IOException {
        for (Socket socket : held) {
            socket.close();
        }
        if (silent != null) {
            silent.close();
        }
    }

    /** A port that accepts every connection, reads nothing and answers nothing. */
    private String silentNode() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-node");
        acceptor.setDaemon(true);
        acceptor.start();
        return "http://127.0.0.1:" + silent.getLocalPort();
    }

    private static String portNobodyListensOn() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    private LoaderProcess sink(String url, String... extra) {
        List<String> args = new ArrayList<>(List.of("sink", "--url", url, "--index", "metrics", "--db", "metrics.db"));
        args.addAll(List.of(extra));
        return LoaderProcess.start(dir, args.toArray(String[]::new));
    }

    private static void awaitTrue(BooleanSupplier condition, LoaderProcess process) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(process.isAlive() && System.nanoTime() < deadline, "not so within " + TIMEOUT.toSeconds() + " s\n" + process.describe());
            Thread.sleep(50);
        }
    }

    private static void assertRetryLines(List<String> lines, String pattern, LoaderProcess sink) {
        assertTrue(lines.size() >= 2, sink.describe());
        for (String line : lines) {
            assertTrue(line.matches(pattern + "; retrying in [0-9.]+ s \\(attempt [0-9]+\\)"), line + "\n" + sink.describe());
        }
    }

    @Test
    void when_the_node_takes_connections_and_never_answers_then_each_request_is_bounded_and_a_one_shot_sink_gives_up_with_exit_5()
            throws Exception {
        String url = silentNode();

        LoaderProcess sink = sink(url, "--request-timeout", "1", "--give-up-after", "3");

        assertGaveUp(sink, url, 3, url + " did not answer GET / within 1 s (--request-timeout)");
    }

    @Test
    void when_a_sink_on_an_interval_waits_for_a_silent_node_then_it_says_what_it_waits_for_and_sigterm_stops_it_at_once() throws Exception {
        String url = silentNode();

        LoaderProcess sink = sink(url, "--interval", "1", "--request-timeout", "600");
        String waiting = "waiting for " + url + " to answer GET / (at most 600 s, --request-timeout)";
        awaitTrue(() -> sink.stderrLines().contains(waiting), sink);
        int status = sink.terminate(TIMEOUT);

        assertEquals(0, status, "SIGTERM stops the wait, far sooner than the 600 s of the request\n" + sink.describe());
        assertEquals(List.of("sinking metrics.db -> " + url + "/metrics every 1 s; Ctrl-C stops", waiting,
                        "stopped while waiting for the node; 0 actions not acknowledged, the checkpoint unchanged (the next run sends them)",
                        "stopped"),
                sink.stderrLines(), sink.describe());
    }

    @Test
    void when_a_one_shot_sink_waits_for_a_silent_node_then_sigterm_ends_it_at_once() throws Exception {
        String url = silentNode();

        LoaderProcess sink = sink(url, "--request-timeout", "600");
        String waiting = "waiting for " + url + " to answer GET / (at most 600 s, --request-timeout)";
        awaitTrue(() -> sink.stderrLines().contains(waiting), sink);
        int status = sink.terminate(TIMEOUT);

        assertEquals(143, status, "ended by the signal, not by the 600 s of the request\n" + sink.describe());
    }

    @Test
    void when_nothing_listens_on_the_port_then_a_one_shot_sink_gives_up_after_the_given_time_with_exit_5() throws Exception {
        String url = portNobodyListensOn();

        LoaderProcess sink = sink(url, "--give-up-after", "2");

        assertGaveUp(sink, url, 2, url + " is unreachable (connection refused)");
    }

    /**
     * A one-shot sink that gave up after {@code seconds} of trying again: exit 5, the line saying how long it
     * tries, one retry line per attempt (each failing for {@code reason}), and the line saying it gave up.
     */
    private static void assertGaveUp(LoaderProcess sink, String url, int seconds, String reason) {
        assertEquals(5, sink.awaitExit(TIMEOUT), sink.describe());
        List<String> lines = sink.stderrLines();
        assertEquals(url + ": trying again for at most " + seconds + " s (--give-up-after), then giving up with exit 5",
                lines.get(0), sink.describe());
        assertRetryLines(lines.subList(1, lines.size() - 1), java.util.regex.Pattern.quote(reason), sink);
        assertEquals("gave up on " + url + " after " + seconds + " s of trying again (--give-up-after): " + reason
                + "; the checkpoint unchanged, the next run sends the rest", lines.get(lines.size() - 1), sink.describe());
    }

    @Test
    void when_nothing_listens_on_the_port_then_a_sink_on_an_interval_keeps_trying_and_says_so() throws Exception {
        String url = portNobodyListensOn();

        LoaderProcess sink = sink(url, "--interval", "0.5", "--give-up-after", "1");
        awaitTrue(() -> sink.stderrLines().stream().anyMatch(line -> line.endsWith("(attempt 6)")), sink);
        assertEquals(0, sink.terminate(TIMEOUT), sink.describe());

        List<String> lines = sink.stderrLines();
        assertEquals(List.of("sinking metrics.db -> " + url + "/metrics every 0.5 s; Ctrl-C stops",
                url + ": trying again until the node answers (--interval keeps trying; Ctrl-C stops)"), lines.subList(0, 2), sink.describe());
        assertRetryLines(lines.subList(2, lines.size() - 2), java.util.regex.Pattern.quote(url + " is unreachable (connection refused)"), sink);
        assertEquals("stopped", lines.get(lines.size() - 1), sink.describe());
    }

    @Test
    void when_a_proxy_answers_200_with_a_web_page_then_the_sink_names_the_url_and_the_first_bytes_in_one_line() throws Exception {
        HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] page = "<html>\n<head><title>Sign in</title></head>\n<body>Please sign in to reach this service.</body>\n</html>\n".getBytes(UTF_8);
        proxy.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, "HEAD".equals(exchange.getRequestMethod()) ? -1 : page.length);
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseBody().write(page);
            }
            exchange.close();
        });
        proxy.start();
        try {
            String url = "http://127.0.0.1:" + proxy.getAddress().getPort();

            LoaderProcess sink = sink(url);

            assertEquals(1, sink.awaitExit(TIMEOUT), sink.describe());
            assertEquals(List.of(url + " answered GET / with 200 but not JSON (text/html; charset=utf-8): <html> <head><title>Sign in</title>"
                    + "</head> <body>Please sign in to reach this service.</body> </html>"), sink.stderrLines(), sink.describe());
        } finally {
            proxy.stop(0);
        }
    }
}
