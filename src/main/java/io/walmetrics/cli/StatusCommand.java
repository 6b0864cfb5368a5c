package io.walmetrics.cli;

import io.walmetrics.status.DatabaseStatus;
import io.walmetrics.status.StatusReader;
import io.walmetrics.wal.Json;
import io.walmetrics.follow.FollowState;
import io.walmetrics.follow.SlotStatus;
import io.walmetrics.follow.SnapshotProcess;
import io.walmetrics.status.FollowedSlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Shows what the database holds: batches applied and the last one, rows per staging and current "
                + "table, metric rows, rejected changes by reason, and schema drift.",
            "",
            "Reads only: a database that does not exist is an error, never created. For each replication slot that"
                + " follow reads, it asks the server (user and password from PGUSER and PGPASSWORD, or --password-file)"
                + " for the slot's confirmed LSN and how many bytes of WAL the server keeps for it, and says whether the"
                + " slot's initial snapshot is done, running now, or was interrupted (its process is gone)."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar status --db metrics.db",
            "  java -jar target/wal-metrics-loader.jar status --json | jq .metric_rows",
            "",
            "Exit codes: 0 done, 1 fatal error, 2 usage error."})
final class StatusCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--json", description = "Print the status as one JSON object on standard output instead.")
    boolean json;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password for the servers of followed slots from the first line of this file instead"
                    + " of PGPASSWORD.")
    Path passwordFile;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (passwordFile != null && !Files.isReadable(passwordFile)) {
            err.println(passwordFile + ": cannot read the password file (" + (Files.exists(passwordFile) ? "not readable"
                    : "no such file") + ")");
            err.flush();
            return ExitCode.FAILED;
        }
        DatabaseStatus status;
        List<FollowedSlot> slots = new ArrayList<>();
        FollowState.Recorded identity;
        try {
            Jdbi jdbi = common.openToRead();
            status = StatusReader.read(jdbi);
            // a followed slot, as its server sees it now, and whether its snapshot's process still runs
            for (FollowState.Slot slot : FollowState.all(jdbi)) {
                slots.add(FollowedSlot.of(SlotStatus.query(slot, System.getenv(), passwordFile),
                        SnapshotProcess.of(jdbi, slot.slotName())));
            }
            identity = FollowState.identity(jdbi).orElse(null);
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, common.db, common.verbose, err);
        }
        if (json) {
            printJson(status, slots, identity);
        } else {
            printReadable(spec.commandLine().getOut(), status, slots, identity);
        }
        return ExitCode.OK;
    }

    private void printReadable(PrintWriter out, DatabaseStatus status, List<FollowedSlot> slots, FollowState.Recorded identity) {
        out.println(common.db);
        DatabaseStatus.LastBatch last = status.lastBatch();
        out.printf(Locale.ROOT, "  batches   %,d applied%s%n", status.batchesApplied(), last == null ? ""
                : String.format(Locale.ROOT, "; last #%d: batch %d of %s, at %s", last.batchId(), last.batchNo(),
                        last.input(), last.appliedAt()));
        if (status.lastAppliedLsn() != null) {
            out.printf(Locale.ROOT, "  source    applied up to LSN %s%n", status.lastAppliedLsn());
        }
        out.printf(Locale.ROOT, "  %-26s %10s %10s%n", "rows", "staged", "current");
        for (DatabaseStatus.SourceRows source : status.sources()) {
            out.printf(Locale.ROOT, "    %-24s %,10d %,10d%n", source.source(), source.stagedRows(), source.currentRows());
        }
        out.printf(Locale.ROOT, "  metrics   %,d rows%n", status.metricRows());
        out.printf(Locale.ROOT, "  rejected  %,d changes%s%n", status.changesRejected(),
                status.changesRejected() == 0 ? "" : " (see the rejected_changes table)");
        for (DatabaseStatus.RejectReason reason : status.topRejectReasons()) {
            out.printf(Locale.ROOT, "    %,8d  %s%n", reason.changes(), reason.reason());
        }
        out.printf(Locale.ROOT, "  drift     %s%n", status.schemaDrift().isEmpty() ? "none"
                : status.schemaDrift().size() + " columns (see the schema_drift table)");
        for (DatabaseStatus.DriftColumn drift : status.schemaDrift()) {
            out.printf(Locale.ROOT, "    %s; %,d changes, batches %d to %d%n", drift.describe(), drift.changes(),
                    drift.firstBatchId(), drift.lastBatchId());
        }
        if (identity != null) {
            out.printf(Locale.ROOT, "  identity  follows %s (since %s)%n", identity.identity().describe(), identity.recordedAt());
        }
        for (FollowedSlot followed : slots) {
            SlotStatus slot = followed.server();
            FollowState.Slot known = slot.slot();
            out.printf(Locale.ROOT, "  follow    slot %s of %s, snapshot %s%s: %s%n", known.slotName(), known.source(),
                    followed.snapshotState(),
                    known.snapshotRows() != null ? String.format(Locale.ROOT, " (%,d rows)", known.snapshotRows())
                            : followed.snapshotNote() != null ? " (" + followed.snapshotNote() + ")" : "",
                    slot.problem() != null ? slot.problem()
                            : slot.confirmedLsn() == null
                            ? "no position confirmed yet, " + (slot.active() ? "being read" : "not being read")
                            : String.format(Locale.ROOT, "confirmed up to LSN %s, %,d bytes of WAL behind the server, %s",
                                    slot.confirmedLsn(), slot.lagBytes(), slot.active() ? "being read" : "not being read"));
            if (followed.interrupted() != null) {
                out.printf(Locale.ROOT, "            %s%n", followed.interrupted());
            }
        }
        out.flush();
    }

    /** The {@code --json} object: every field always there, null when the database has no value for it. */
    record JsonStatus(String database, long batchesApplied, Long lastBatchId, String lastBatchInput, Long lastBatchNo,
            String lastBatchAppliedAt, String lastAppliedLsn, Map<String, Long> stagedRows, Map<String, Long> currentRows,
            long metricRows, long changesRejected, Map<String, Long> rejectedByReason, int schemaDriftColumns,
            List<DatabaseStatus.DriftColumn> schemaDrift, JsonIdentity sourceIdentity, List<JsonSlot> followSlots) {

        static JsonStatus of(String database, DatabaseStatus status, List<FollowedSlot> slots, FollowState.Recorded identity) {
            DatabaseStatus.LastBatch last = status.lastBatch();
            Map<String, Long> staged = new LinkedHashMap<>();
            Map<String, Long> current = new LinkedHashMap<>();
            for (DatabaseStatus.SourceRows source : status.sources()) {
                staged.put(source.stagingTable(), source.stagedRows());
                current.put(source.currentTable(), source.currentRows());
            }
            Map<String, Long> rejected = new LinkedHashMap<>();
            status.topRejectReasons().forEach(reason -> rejected.put(reason.reason(), reason.changes()));
            return new JsonStatus(database, status.batchesApplied(),
                    last == null ? null : last.batchId(), last == null ? null : last.input(),
                    last == null ? null : last.batchNo(), last == null ? null : last.appliedAt(),
                    status.lastAppliedLsn() == null ? null : status.lastAppliedLsn().toString(),
                    staged, current, status.metricRows(), status.changesRejected(), rejected,
                    status.schemaDrift().size(), status.schemaDrift(), identity == null ? null : JsonIdentity.of(identity),
                    slots.stream().map(JsonSlot::of).toList());
        }
    }

    /** The source the database belongs to (source_identity), in {@link JsonStatus}; null before its first follow. */
    record JsonIdentity(String systemIdentifier, String database, String slot, String schema, String recordedAt) {

        static JsonIdentity of(FollowState.Recorded recorded) {
            return new JsonIdentity(recorded.identity().systemIdentifier(), recorded.identity().database(),
                    recorded.identity().slot(), recorded.identity().schema(), recorded.recordedAt());
        }
    }

    /** A followed slot in {@link JsonStatus}. */
    record JsonSlot(String slot, String source, String snapshotState, String confirmedLsn, Long lagBytes, Boolean active,
            String problem) {

        static JsonSlot of(FollowedSlot followed) {
            SlotStatus status = followed.server();
            FollowState.Slot slot = status.slot();
            return new JsonSlot(slot.slotName(), slot.source(), followed.snapshotState(),
                    status.confirmedLsn(), status.lagBytes(), status.active(), followed.problem());
        }
    }

    private void printJson(DatabaseStatus status, List<FollowedSlot> slots, FollowState.Recorded identity) {
        Json.printLine(JsonStatus.of(common.db.toString(), status, slots, identity), System.out);
    }
}
