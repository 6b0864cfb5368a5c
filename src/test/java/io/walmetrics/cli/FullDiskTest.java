package io.walmetrics.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.GeneratedWal;
import io.walmetrics.testing.LoadedState;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database on a filesystem that fills up mid-load: the summary counts only what was committed,
 * the error says which batches were not applied, and a rerun once there is room finishes the job
 * with the state of a load that never failed. The filesystem is a small tmpfs the test mounts,
 * which needs root (CI runs as root); elsewhere the test is skipped and says so.
 */
class FullDiskTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern NOT_APPLIED = Pattern.compile(
            "disk/metrics\\.db: the disk is full; batches (\\d+) to ([\\d,]+) of big\\.json were not applied;"
                    + " nothing is lost, rerun when there is room");

    @TempDir
    Path dir;

    private Path mountPoint;

    @Test
    void when_the_disk_fills_mid_load_then_the_counts_are_what_was_committed_and_a_rerun_finishes_the_job()
            throws Exception {
        mountSmallDisk(dir.resolve("disk"), "4m"); // room for the migrations and small.json, not for big.json
        GeneratedWal.write(dir.resolve("small.json"), 5, 40);
        int bigBatches = GeneratedWal.write(dir.resolve("big.json"), 6, 3000);
        assertEquals(0, LoaderProcess.run(dir, TIMEOUT, "load", "--db", "disk/metrics.db", "small.json").exitCode());
        SqliteFile db = new SqliteFile(dir.resolve("disk/metrics.db"));
        String bigInput = dir.resolve("big.json").toRealPath().toString();

        try (LoaderProcess full = LoaderProcess.run(dir, TIMEOUT, "load", "--json", "--db", "disk/metrics.db", "big.json")) {
            assertEquals(ExitCode.FAILED, full.exitCode(), full.describe());
            Matcher line = NOT_APPLIED.matcher(full.stderrLines().get(0));
            assertTrue(line.matches(), full.describe());
            long committed = db.number("select count(*) from batch_ledger where input = '" + bigInput + "'");
            assertTrue(committed < bigBatches, "the disk should fill before the end: " + committed + " of " + bigBatches);
            assertEquals(committed + 1, Long.parseLong(line.group(1)), "the first batch not applied follows the last committed");
            Map<String, Number> summary = full.jsonSummary();
            assertEquals(committed, summary.get("batches_applied").longValue());
            assertEquals(db.number("select coalesce(sum(changes_landed), 0) from batch_ledger where input = '" + bigInput + "'"),
                    summary.get("changes_landed").longValue());
            assertEquals(db.number("select coalesce(sum(metrics_upserted), 0) from batch_ledger where input = '" + bigInput + "'"),
                    summary.get("metrics_upserted").longValue());
            assertEquals(db.number("select count(*) from metrics"), summary.get("metric_rows").longValue());
        }
        assertEquals(List.of("ok"), db.integrityCheck());

        remount("200m");
        try (LoaderProcess rerun = LoaderProcess.run(dir, TIMEOUT, "load", "--db", "disk/metrics.db", "big.json")) {
            assertEquals(0, rerun.exitCode(), rerun.describe());
        }
        assertEquals(0, LoaderProcess.run(dir, TIMEOUT, "load", "--db", "reference.db", "small.json").exitCode());
        assertEquals(0, LoaderProcess.run(dir, TIMEOUT, "load", "--db", "reference.db", "big.json").exitCode());
        assertEquals(LoadedState.exact(new SqliteFile(dir.resolve("reference.db"))), LoadedState.exact(db),
                "the same state as loads that never met a full disk");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mountPoint != null) {
            run("umount", mountPoint.toString());
        }
    }

    private void mountSmallDisk(Path at, String size) throws Exception {
        Assumptions.assumeTrue("0".equals(output("id", "-u").strip()),
                "mounting a small tmpfs needs root (CI runs as root)");
        Files.createDirectories(at);
        int exit = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
        Assumptions.assumeTrue(exit == 0, "mount -t tmpfs failed here (exit " + exit + "): no way to make a full disk");
        mountPoint = at;
    }

    private void remount(String size) throws Exception {
        assertEquals(0, run("mount", "-o", "remount,size=" + size, mountPoint.toString()));
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    private static String output(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return out;
    }
}
