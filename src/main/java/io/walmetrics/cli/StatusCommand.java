package io.walmetrics.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.status.DatabaseStatus;
import io.walmetrics.status.StatusReader;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import io.walmetrics.follow.FollowState;
import io.walmetrics.follow.SlotStatus;
import java.util.List;
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
                + " follow reads, it asks the server (user and password from PGUSER and PGPASSWORD) for the slot's"
                + " confirmed LSN and how many bytes of WAL the server keeps for it."},
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

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        DatabaseStatus status;
        List<SlotStatus> slots;
        try {
            Jdbi jdbi = common.openToRead();
            status = StatusReader.read(jdbi);
            // a followed slot, as its server sees it now (the user and password of the environment)
            slots = FollowState.all(jdbi).stream().map(slot -> SlotStatus.query(slot, System.getenv())).toList();
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, common.db, common.verbose, err);
        }
        if (json) {
            printJson(status, slots);
        } else {
            printReadable(spec.commandLine().getOut(), status, slots);
        }
        return ExitCode.OK;
    }

    private void printReadable(PrintWriter out, DatabaseStatus status, List<SlotStatus> slots) {
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
        for (SlotStatus slot : slots) {
            FollowState.Slot known = slot.slot();
            out.printf(Locale.ROOT, "  follow    slot %s of %s, snapshot %s%s: %s%n", known.slotName(), known.source(),
                    known.snapshot().name().toLowerCase(Locale.ROOT),
                    known.snapshotRows() == null ? "" : String.format(Locale.ROOT, " (%,d rows)", known.snapshotRows()),
                    slot.problem() != null ? slot.problem()
                            : String.format(Locale.ROOT, "confirmed up to LSN %s, %,d bytes of WAL behind the server, %s",
                                    slot.confirmedLsn(), slot.lagBytes(), slot.active() ? "being read" : "not being read"));
        }
        out.flush();
    }

    private static void writeNullable(JsonGenerator out, String field, String value) throws IOException {
        if (value == null) {
            out.writeNullField(field);
        } else {
            out.writeStringField(field, value);
        }
    }

    private void printJson(DatabaseStatus status, List<SlotStatus> slots) {
        try (JsonGenerator out = Json.FACTORY.createGenerator(System.out)) {
            out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            out.writeStartObject();
            out.writeStringField("database", common.db.toString());
            out.writeNumberField("batches_applied", status.batchesApplied());
            DatabaseStatus.LastBatch last = status.lastBatch();
            if (last != null) {
                out.writeNumberField("last_batch_id", last.batchId());
                out.writeStringField("last_batch_input", last.input());
                out.writeNumberField("last_batch_no", last.batchNo());
                out.writeStringField("last_batch_applied_at", last.appliedAt());
            } else {
                out.writeNullField("last_batch_id");
                out.writeNullField("last_batch_input");
                out.writeNullField("last_batch_no");
                out.writeNullField("last_batch_applied_at");
            }
            if (status.lastAppliedLsn() != null) {
                out.writeStringField("last_applied_lsn", status.lastAppliedLsn().toString());
            } else {
                out.writeNullField("last_applied_lsn");
            }
            out.writeObjectFieldStart("staged_rows");
            for (DatabaseStatus.SourceRows source : status.sources()) {
                out.writeNumberField(source.stagingTable(), source.stagedRows());
            }
            out.writeEndObject();
            out.writeObjectFieldStart("current_rows");
            for (DatabaseStatus.SourceRows source : status.sources()) {
                out.writeNumberField(source.currentTable(), source.currentRows());
            }
            out.writeEndObject();
            out.writeNumberField("metric_rows", status.metricRows());
            out.writeNumberField("changes_rejected", status.changesRejected());
            out.writeObjectFieldStart("rejected_by_reason");
            for (DatabaseStatus.RejectReason reason : status.topRejectReasons()) {
                out.writeNumberField(reason.reason(), reason.changes());
            }
            out.writeEndObject();
            out.writeNumberField("schema_drift_columns", status.schemaDrift().size());
            out.writeArrayFieldStart("schema_drift");
            for (DatabaseStatus.DriftColumn drift : status.schemaDrift()) {
                out.writeStartObject();
                out.writeStringField("wal_table", drift.walTable());
                out.writeStringField("column", drift.column());
                out.writeStringField("observed_type", drift.observedType());
                out.writeStringField("expected_type", drift.expectedType());
                out.writeNumberField("changes", drift.changes());
                out.writeNumberField("first_batch_id", drift.firstBatchId());
                out.writeNumberField("last_batch_id", drift.lastBatchId());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeArrayFieldStart("follow_slots");
            for (SlotStatus slot : slots) {
                out.writeStartObject();
                out.writeStringField("slot", slot.slot().slotName());
                out.writeStringField("source", slot.slot().source());
                out.writeStringField("snapshot_state", slot.slot().snapshot().name().toLowerCase(Locale.ROOT));
                writeNullable(out, "confirmed_lsn", slot.confirmedLsn());
                if (slot.lagBytes() != null) {
                    out.writeNumberField("lag_bytes", slot.lagBytes());
                } else {
                    out.writeNullField("lag_bytes");
                }
                if (slot.active() != null) {
                    out.writeBooleanField("active", slot.active());
                } else {
                    out.writeNullField("active");
                }
                writeNullable(out, "problem", slot.problem());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.flush();
    }
}
