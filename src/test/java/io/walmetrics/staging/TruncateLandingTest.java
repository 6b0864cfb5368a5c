package io.walmetrics.staging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.testing.TestDb;
import io.walmetrics.wal.ChangePosition;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.OldKeys;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A truncate handed to the lander already parsed, as {@code follow} hands over what it reads from
 * the slot: it is held to the shape the file parser holds a file's truncate to
 * (docs/reference.md#records).
 */
class TruncateLandingTest {

    private static final Lsn LSN = Lsn.parse("0/19490B8");

    @TempDir
    Path dir;

    private static WalChange truncate(int changeNo, String table, List<String> names, List<WalValue> values, OldKeys oldKeys) {
        return new WalChange(new ChangePosition(1, 1, changeNo), WalChange.TRUNCATE, "public", table, names, List.of(), values,
                oldKeys, null, Map.of(), LSN);
    }

    @Test
    void a_truncate_of_a_source_lands_in_stg_truncate_and_one_carrying_columns_or_old_keys_is_rejected() {
        TestDb db = TestDb.in(dir);
        WalValue t1 = new WalValue(WalValue.Type.STRING, "t1");

        LandedBatch landed = db.jdbi().inTransaction(handle -> {
            try (ChangeLander lander = new ChangeLander(handle, SourceCatalog.load(handle))) {
                lander.startBatch(1, 0);
                lander.land(truncate(1, "transaction", List.of(), List.of(), null));
                lander.land(truncate(2, "transaction", List.of("transaction_id"), List.of(t1), null));
                lander.land(truncate(3, "transaction", List.of(), List.of(),
                        new OldKeys(List.of("transaction_id"), List.of("uuid"), List.of(t1))));
                lander.land(truncate(4, "audit_log", List.of(), List.of(), null));
                return lander.finishBatch();
            }
        });

        assertEquals(List.of(1, 1, 2, 3L), List.of(landed.landed(), landed.ignored(), landed.rejected(), landed.lastChangeSeq()));
        assertEquals(List.of(Map.of("change_seq", 1, "change_no", 1, "source", "transaction", "wal_table", "transaction")),
                db.rows("select change_seq, change_no, source, wal_table from stg_truncate"));
        String reason = "a truncate carries no columnnames, columntypes, columnvalues or oldkeys";
        assertEquals(List.of(Map.of("change_seq", 2, "change_no", 2, "reason", reason), Map.of("change_seq", 3, "change_no", 3, "reason", reason)),
                db.rows("select change_seq, change_no, reason from rejected_changes order by change_seq"));
    }
}
