package io.walmetrics.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CLI as a real child JVM on the test classpath (the jar is not built in the test phase),
 * started in a folder with its standard output and error going to files there, so it can be
 * killed with SIGKILL at any moment and its output read afterwards. Close it in a finally block:
 * closing kills it if it still runs.
 */
public final class LoaderProcess implements AutoCloseable {

    /** What {@link Process#exitValue()} reports for a JVM ended by SIGKILL (128 + 9). */
    public static final int KILLED_BY_SIGKILL = 137;

    private static final AtomicInteger STARTED = new AtomicInteger();

    private final String name;
    private final List<String> args;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long startedNanos;
    private long endedNanos;

    private LoaderProcess(String name, List<String> args, Process process, Path stdout, Path stderr, long startedNanos) {
        this.name = name;
        this.args = args;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.startedNanos = startedNanos;
    }

    /**
     * The command line that runs the CLI in a JVM of its own, from the test classpath (the jar is
     * not built yet when the tests run), tuned to start fast.
     */
    public static List<String> command(String... args) {
        return command(List.of(), args);
    }

    /** The same, with these options for the JVM (a heap limit: {@code -Xmx128m}). */
    public static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.walmetrics.cli.Main"));
        command.addAll(Arrays.asList(args));
        return command;
    }

    /** Runs {@code io.walmetrics.cli.Main} with the arguments in {@code workDir} to its end (or the timeout). */
    public static LoaderProcess run(Path workDir, Duration timeout, String... args) {
        LoaderProcess process = start(workDir, args);
        process.awaitExit(timeout);
        return process;
    }

    /** Starts {@code io.walmetrics.cli.Main} with the arguments, in {@code workDir}. */
    public static LoaderProcess start(Path workDir, String... args) {
        return start(workDir, Map.of(), args);
    }

    /** {@link #start(Path, String...)} with these variables added to its environment (PGUSER, PGPASSWORD for follow). */
    public static LoaderProcess start(Path workDir, Map<String, String> environment, String... args) {
        return start(workDir, environment, List.of(), args);
    }

    /** {@link #start(Path, Map, String...)} with these options for the child JVM. */
    public static LoaderProcess start(Path workDir, Map<String, String> environment, List<String> jvmOptions, String... args) {
        int number = STARTED.incrementAndGet();
        String name = "loader-" + number;
        List<String> command = command(jvmOptions, args);
        Path stdout = workDir.resolve(name + ".stdout");
        Path stderr = workDir.resolve(name + ".stderr");
        try {
            long started = System.nanoTime();
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            return new LoaderProcess(name + " (pid " + process.pid() + ")", List.of(args), process, stdout, stderr, started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@link #start} was given after the work folder: the same arguments start it again. */
    public String[] args() {
        return args.toArray(String[]::new);
    }

    /** The process id, as {@code kill} and the loader's own records name it. */
    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Sends SIGKILL ({@code kill -9}; {@link Process#destroyForcibly()} does exactly that on Linux)
     * and waits for the process to be gone.
     *
     * @return the exit status: {@link #KILLED_BY_SIGKILL} when the kill ended it, its own exit code
     * when it had finished before the kill landed
     */
    public int kill() {
        process.destroyForcibly();
        return awaitGone();
    }

    /**
     * Sends SIGTERM ({@link Process#destroy()} does that on Linux), as a service manager or
     * {@code kill} stops a process, and waits for it to exit.
     */
    public int terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** Waits for the process to exit; on timeout kills it and fails with its output. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new AssertionError(name + " did not exit within " + timeout.toSeconds() + " s; killed it.\n" + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return awaitGone();
    }

    private int awaitGone() {
        try {
            int status = process.waitFor();
            if (endedNanos == 0) {
                endedNanos = System.nanoTime();
            }
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public int exitCode() {
        return process.exitValue();
    }

    /** From start to exit (or to now while it runs). */
    public Duration elapsed() {
        return Duration.ofNanos((endedNanos != 0 ? endedNanos : System.nanoTime()) - startedNanos);
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    /**
     * The {@code --json} summary: standard output must be exactly one JSON object of numbers
     * (docs/reference.md#summaries), nothing before or after it.
     */
    public Map<String, Number> jsonSummary() {
        String out = stdout();
        Map<String, Number> summary = new LinkedHashMap<>();
        try (JsonParser parser = Json.FACTORY.createParser(out)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new AssertionError(name + ": standard output is not one JSON object:\n" + out);
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String field = parser.currentName();
                if (!parser.nextToken().isNumeric()) {
                    throw new AssertionError(name + ": " + field + " is not a number:\n" + out);
                }
                summary.put(field, parser.getNumberValue());
            }
            if (parser.nextToken() != null) {
                throw new AssertionError(name + ": something follows the JSON object on standard output:\n" + out);
            }
        } catch (IOException e) {
            throw new AssertionError(name + ": standard output is not one JSON object (" + e.getMessage() + "):\n" + out, e);
        }
        return summary;
    }

    public List<String> stderrLines() {
        return stderr().lines().filter(line -> !line.isBlank()).toList();
    }

    /** Name, exit status, run time and both outputs (the end of each, when long), for failure messages. */
    public String describe() {
        String status = process.isAlive() ? "still running" : "exit " + process.exitValue();
        return name + ": " + status + " after " + elapsed().toMillis() + " ms"
                + "\n--- stdout:\n" + tail(stdout()) + "\n--- stderr:\n" + tail(stderr());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private static String tail(String text) {
        int keep = 4_000;
        return text.length() <= keep ? text : "[… " + (text.length() - keep) + " chars]" + text.substring(text.length() - keep);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
