package io.walmetrics.status;

import io.walmetrics.follow.FollowState;
import io.walmetrics.follow.SlotStatus;
import io.walmetrics.follow.SnapshotProcess;
import java.util.Optional;

/**
 * A slot {@code follow} reads into the database, for {@code status}: what its server says of it now,
 * and what became of its initial snapshot. follow_source says 'running' from before the snapshot
 * starts until its last row is committed; whether it still runs is the question of whether the
 * process recorded for it ({@link SnapshotProcess}) still runs (docs/follow.md#the-initial-snapshot).
 *
 * @param snapshotState none, running, interrupted or done
 * @param snapshotNote  what status adds to the state in brackets (who runs it), or null
 * @param interrupted   what to do about an interrupted snapshot, follow's own sentence; null otherwise
 */
public record FollowedSlot(SlotStatus server, String snapshotState, String snapshotNote, String interrupted) {

    public static FollowedSlot of(SlotStatus server, Optional<SnapshotProcess> process) {
        FollowState.Slot slot = server.slot();
        return switch (slot.snapshot()) {
            case NONE -> new FollowedSlot(server, "none", null, null);
            case DONE -> new FollowedSlot(server, "done", null, null);
            case RUNNING -> {
                if (process.isEmpty()) {
                    yield new FollowedSlot(server, "running", "or interrupted: no process is recorded for it", null);
                }
                SnapshotProcess runner = process.get();
                yield switch (runner.liveness()) {
                    case RUNNING -> new FollowedSlot(server, "running", runner.describe(), null);
                    case ON_ANOTHER_HOST -> new FollowedSlot(server, "running",
                            runner.describe() + ", or interrupted there: this machine cannot see that host's processes", null);
                    case GONE -> new FollowedSlot(server, "interrupted", runner.describe() + " is gone",
                            SnapshotProcess.interrupted(slot.slotName()));
                };
            }
        };
    }

    /** The server's problem and what to do about an interrupted snapshot, in that order; null when neither. */
    public String problem() {
        if (server.problem() != null && interrupted != null) {
            return server.problem() + "; " + interrupted;
        }
        return server.problem() != null ? server.problem() : interrupted;
    }
}
