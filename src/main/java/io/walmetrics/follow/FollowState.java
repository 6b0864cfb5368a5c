package io.walmetrics.follow;

import io.walmetrics.wal.Lsn;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The table follow_source (migrations/020): the slots this database follows, and how far each snapshot got. */
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

    /** True when no batch was ever applied to the database. */
    public boolean databaseIsEmpty() {
        return jdbi.withHandle(handle -> handle.createQuery("select not exists (select 1 from batch_ledger)")
                .mapTo(Boolean.class).one());
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
