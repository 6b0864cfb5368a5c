package io.walmetrics.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of one test's own: initdb into a folder under target/, started with
 * {@code pg_ctl} on a free port of 127.0.0.1 with the given settings, stopped and deleted by
 * {@link #close()}. For what the shared cluster of {@code .ci/postgres-setup.sh} must not be
 * changed for (wal_level, the plugin library path, another server version). The server runs as
 * the OS user postgres, through {@code runuser} (the tests run as root, which PostgreSQL refuses).
 *
 * <p>Its superuser is {@link #USER} with password {@link #PASSWORD}, asked for over TCP
 * (scram-sha-256), as a real server asks follow.
 */
final class ScratchCluster implements AutoCloseable {

    static final String USER = "walmetrics";
    static final String PASSWORD = "scratch-walmetrics";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    static final Path SCRATCH_BASE = Path.of(System.getProperty("java.io.tmpdir"), "walmetrics-pg-scratch");

    private final Path bin;
    private final Path folder;
    private final int port;
    private boolean running;

    private ScratchCluster(Path bin, Path folder, int port) {
        this.bin = bin;
        this.folder = folder;
        this.port = port;
    }

    /**
     * A running cluster of the server in {@code bin} (a PostgreSQL bin folder: initdb, pg_ctl,
     * postgres), with {@code settings} appended to its postgresql.conf. Fails with the server's log
     * when it does not start; nothing is left running then.
     */
    static ScratchCluster start(Path bin, String name, Map<String, String> settings) throws IOException, InterruptedException {
        // not under the project: a clone may sit in a folder only root can enter (mktemp -d), and
        // the server runs as postgres
        Path base = Files.createDirectories(SCRATCH_BASE);
        Path folder = Files.createTempDirectory(base, name + "-");
        UserPrincipal postgres = folder.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(folder, postgres);
        ScratchCluster cluster = new ScratchCluster(bin, folder, freePort());
        try {
            cluster.initdb(postgres);
            cluster.configure(settings);
            cluster.running = true; // from here on close() stops it, whatever pg_ctl start says
            cluster.asPostgres("pg_ctl", "-D", cluster.data().toString(), "-l", cluster.log().toString(), "-w", "-t", "30",
                    "start");
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            String log = cluster.serverLog();
            cluster.close();
            if (e instanceof AssertionError failed) {
                throw new AssertionError(failed.getMessage() + "\nserver log:\n" + log, failed);
            }
            throw e;
        }
    }

    /**
     * Whether the server binary in {@code bin} knows the setting {@code name} (a server refuses to
     * start with a setting it does not know). The binary is asked ({@code postgres --describe-config},
     * which needs no data directory), not its version, as {@code .ci/postgres-lib.sh} asks it.
     */
    static boolean knowsSetting(Path bin, String name) throws IOException, InterruptedException {
        List<String> command = List.of("runuser", "-u", "postgres", "--", bin.resolve("postgres").toString(), "--describe-config");
        Process process = new ProcessBuilder(command).directory(Path.of("/").toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + COMMAND_TIMEOUT.toSeconds() + " s");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output);
        }
        return output.lines().anyMatch(line -> line.split("\t", 2)[0].equals(name));
    }

    /** The JDBC address of database postgres of this cluster. */
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** host:port/database as follow names the server in its messages. */
    String display() {
        return "127.0.0.1:" + port + "/postgres";
    }

    /** What the server wrote to its log so far (for failure messages). */
    String serverLog() {
        try {
            return Files.exists(log()) ? Files.readString(log(), UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private void initdb(UserPrincipal postgres) throws IOException, InterruptedException {
        Path passwordFile = folder.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n", UTF_8);
        Files.setOwner(passwordFile, postgres);
        asPostgres("initdb", "-D", data().toString(), "-U", USER, "--pwfile", passwordFile.toString(),
                "--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync", "--no-instructions");
    }

    private void configure(Map<String, String> settings) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "# a scratch cluster of io.walmetrics.postgres.ScratchCluster",
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + folder + "'",
                "fsync = off",
                "max_connections = 20",
                "shared_buffers = '16MB'"));
        settings.forEach((name, value) -> lines.add(name + " = '" + value.replace("'", "''") + "'"));
        Files.writeString(data().resolve("postgresql.conf"), String.join("\n", lines) + "\n", UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private Path data() {
        return folder.resolve("data");
    }

    private Path log() {
        return folder.resolve("server.log");
    }

    private void asPostgres(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", bin.resolve(program).toString()));
        command.addAll(List.of(args));
        // from /: PostgreSQL's programs change to their working folder, which postgres may not enter
        Process process = new ProcessBuilder(command).directory(Path.of("/").toFile()).redirectErrorStream(true).start();
        boolean ended = process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        if (!ended) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + COMMAND_TIMEOUT.toSeconds() + " s: " + output);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Stops the server (immediate: its data is thrown away) and deletes its folder. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (running && Files.exists(data().resolve("postmaster.pid"))) {
                asPostgres("pg_ctl", "-D", data().toString(), "-m", "immediate", "-w", "-t", "30", "stop");
            }
        } finally {
            running = false;
            try (Stream<Path> paths = Files.walk(folder)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
