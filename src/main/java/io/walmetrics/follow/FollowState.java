package io.walmetrics.follow;

import io.walmetrics.wal.Lsn;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The tables follow_source (migrations/014: the slots this database follows, and how far each
 * snapshot got) and source_identity (migrations/017: the one source the database belongs to).
 */
public final class FollowState {

    public enum Snapshot { NONE, RUNNING, DONE }

    /** One followed slot. */
    public record Slot(String slotName, String source, Snapshot snapshot, Long snapshotRows, Lsn consistentLsn,
                       String createdAt, String droppedAt) {
    }

    private final Jdbi jdbi;

    public FollowState(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Optional<Slot> find(String slotName) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select slot_name, source, snapshot_state, snapshot_rows, consistent_lsn, created_at, dropped_at
                        from follow_source
                        where slot_name = :slot""")
                .bind("slot", slotName)
                .map((rs, ctx) -> {
                    long rows = rs.getLong("snapshot_rows");
                    Long snapshotRows = rs.wasNull() ? null : rows;
                    long lsn = rs.getLong("consistent_lsn");
                    Lsn consistent = rs.wasNull() ? null : new Lsn(lsn);
                    return new Slot(rs.getString("slot_name"), rs.getString("source"),
                            Snapshot.valueOf(rs.getString("snapshot_state").toUpperCase(java.util.Locale.ROOT)), snapshotRows,
                            consistent, rs.getString("created_at"), rs.getString("dropped_at"));
                })
                .findOne());
    }

    /** Every slot followed, for status. */
    public static java.util.List<Slot> all(Jdbi jdbi) {
        FollowState state = new FollowState(jdbi);
        return jdbi.withHandle(handle -> handle.createQuery("select slot_name from follow_source order by slot_name")
                .mapTo(String.class).list()).stream().map(name -> state.find(name).orElseThrow()).toList();
    }

    /** Remembers a slot (again): its source, and the state of its snapshot. */
    public void remember(String slotName, String source, Snapshot snapshot, Lsn consistentLsn) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        insert into follow_source (slot_name, source, snapshot_state, snapshot_rows, consistent_lsn, created_at, dropped_at)
                        values (:slot, :source, :state, null, :lsn, :now, null)
                        on conflict (slot_name) do update set
                            source = excluded.source, snapshot_state = excluded.snapshot_state, snapshot_rows = null,
                            consistent_lsn = excluded.consistent_lsn, created_at = excluded.created_at, dropped_at = null""")
                .bind("slot", slotName)
                .bind("source", source)
                .bind("state", snapshot.name().toLowerCase(java.util.Locale.ROOT))
                .bind("lsn", consistentLsn == null ? null : consistentLsn.value())
                .bind("now", now())
                .execute());
    }

    public void snapshotDone(String slotName, long rows) {
        jdbi.useHandle(handle -> handle.createUpdate(
                        "update follow_source set snapshot_state = 'done', snapshot_rows = :rows where slot_name = :slot")
                .bind("slot", slotName).bind("rows", rows).execute());
    }

    public void dropped(String slotName) {
        jdbi.useHandle(handle -> handle.createUpdate("update follow_source set dropped_at = :now where slot_name = :slot")
                .bind("slot", slotName).bind("now", now()).execute());
    }

    /** The source this database belongs to, with when it was recorded; empty before its first follow. */
    public static Optional<Recorded> identity(Jdbi jdbi) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select system_identifier, database_name, slot_name, schema_name, recorded_at
                        from source_identity""")
                .map((rs, ctx) -> new Recorded(new SourceIdentity(rs.getString("system_identifier"), rs.getString("database_name"),
                        rs.getString("slot_name"), rs.getString("schema_name")), rs.getString("recorded_at")))
                .findOne());
    }

    /** A recorded identity. */
    public record Recorded(SourceIdentity identity, String recordedAt) {
    }

    /**
     * Refuses a source that is not the one this database belongs to, touching nothing. A database
     * without an identity that follows a slot already (made before source_identity existed) takes
     * the identity of a follow of that slot only.
     */
    void requireBelongsTo(SourceIdentity found, PgSource source) {
        Recorded recorded = identity(jdbi).orElse(null);
        if (recorded != null) {
            if (!recorded.identity().equals(found)) {
                throw new SourceProblem(source.display() + ": this database belongs to another source ("
                        + recorded.identity().describe() + "), not to the one --source, --slot and --schema name ("
                        + found.describe() + "): follow each source into a --db of its own", false, null);
            }
            return;
        }
        // a 'running' row without a consistent point is a slot whose making failed: it holds nothing
        java.util.List<String> otherSlots = jdbi.withHandle(handle -> handle.createQuery("""
                        select slot_name from follow_source
                        where slot_name <> :slot and not (snapshot_state = 'running' and consistent_lsn is null)
                        order by slot_name""")
                .bind("slot", found.slot()).mapTo(String.class).list());
        if (!otherSlots.isEmpty()) {
            throw new SourceProblem(source.display() + ": this database follows slot " + String.join(", ", otherSlots)
                    + " (recorded before source identities were kept), not slot " + found.slot()
                    + ": follow that slot, or each source into a --db of its own", false, null);
        }
    }

    /**
     * Records the identity when the database has none; then refuses the source if another follow
     * recorded a different one first (two set-ups racing on one file).
     */
    void record(SourceIdentity found, PgSource source) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        insert into source_identity (only_row, system_identifier, database_name, slot_name, schema_name, recorded_at)
                        values (1, :system, :database, :slot, :schema, :now)
                        on conflict (only_row) do nothing""")
                .bind("system", found.systemIdentifier())
                .bind("database", found.database())
                .bind("slot", found.slot())
                .bind("schema", found.schema())
                .bind("now", now())
                .execute());
        requireBelongsTo(found, source);
    }

    /** True when no batch was ever applied to the database. */
    public boolean databaseIsEmpty() {
        return jdbi.withHandle(handle -> handle.createQuery("select not exists (select 1 from batch_ledger)")
                .mapTo(Boolean.class).one());
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
