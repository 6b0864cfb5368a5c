package io.walmetrics.follow;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The process that runs the initial snapshot of a slot (table follow_snapshot_process,
 * migrations/019), so that a snapshot running now can be told from one whose process is gone
 * (docs/follow.md#the-initial-snapshot): the exported snapshot it reads lives only as long as that
 * process's session, so a snapshot whose process is gone was interrupted and cannot be resumed.
 *
 * @param processStartedAt when the process started, as the operating system says; it tells a pid
 *                         used again by another process from the one recorded (null when unknown)
 */
public record SnapshotProcess(String host, long pid, String processStartedAt) {

    /** What it is for the slot's snapshot, seen from the machine that asks. */
    public enum Liveness { RUNNING, GONE, ON_ANOTHER_HOST }

    /** This process. */
    public static SnapshotProcess current() {
        ProcessHandle self = ProcessHandle.current();
        return new SnapshotProcess(hostName(), self.pid(), startedAt(self).orElse(null));
    }

    /** Records this process as the one running the snapshot of {@code slot}. */
    static void claim(Jdbi jdbi, String slot) {
        SnapshotProcess self = current();
        jdbi.useHandle(handle -> handle.createUpdate("""
                        insert into follow_snapshot_process (slot_name, host, pid, process_started_at, claimed_at)
                        values (:slot, :host, :pid, :started, :now)
                        on conflict (slot_name) do update set
                            host = excluded.host, pid = excluded.pid, process_started_at = excluded.process_started_at,
                            claimed_at = excluded.claimed_at""")
                .bind("slot", slot)
                .bind("host", self.host())
                .bind("pid", self.pid())
                .bind("started", self.processStartedAt())
                .bind("now", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
                .execute());
    }

    /** The process recorded for the snapshot of {@code slot}, if any. */
    public static Optional<SnapshotProcess> of(Jdbi jdbi, String slot) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select host, pid, process_started_at from follow_snapshot_process where slot_name = :slot")
                .bind("slot", slot)
                .map((rs, ctx) -> new SnapshotProcess(rs.getString("host"), rs.getLong("pid"), rs.getString("process_started_at")))
                .findOne());
    }

    /**
     * Whether the process still runs: on this machine, a process of that pid that started when the
     * recorded one did; another machine's processes cannot be seen from here.
     */
    public Liveness liveness() {
        if (!host.equals(hostName())) {
            return Liveness.ON_ANOTHER_HOST;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return Liveness.GONE;
        }
        Optional<String> started = startedAt(process.get());
        boolean same = processStartedAt == null || started.isEmpty() || started.get().equals(processStartedAt);
        return same ? Liveness.RUNNING : Liveness.GONE;
    }

    /** "pid 4242 on host db1". */
    public String describe() {
        return "pid " + pid + " on host " + host;
    }

    /**
     * What to do about a snapshot that was interrupted, in the words follow and status both use:
     * "the initial snapshot of slot S into this database was interrupted (…) and cannot be resumed: …".
     */
    public static String interrupted(String slot) {
        return "the initial snapshot of slot " + slot + " into this database was interrupted (its exported snapshot"
                + " ended with its session) and cannot be resumed: drop the slot (follow --drop-slot) and start again"
                + " with --create-slot and a new --db";
    }

    private static Optional<String> startedAt(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toString);
    }

    /** The machine's name: the kernel's on Linux, else what Java resolves for the local host. */
    private static String hostName() {
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                String name = Files.readString(kernel, StandardCharsets.UTF_8).strip();
                if (!name.isEmpty()) {
                    return name;
                }
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
