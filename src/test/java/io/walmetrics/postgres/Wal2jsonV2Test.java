package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.wal.ChangePosition;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.Wal2jsonV2;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * follow reads wal2json format-version 2 (a message per change) and turns each message straight
 * into a {@link WalChange}; the rest of the loader knows format-version 1's changes. The same
 * workload is decoded by two slots of the real server, one in each format, and the changes must be
 * equal, one for one: kind, schema, table, column names, types, values with their JSON token types,
 * old keys, other fields and the transaction's nextlsn. Only the position differs (format 1 counts
 * the empty records of other tables' transactions, follow does not), so positions are left out.
 */
@Tag("postgres")
class Wal2jsonV2Test {

    private static final String OPTIONS = "'include-xids', '1', 'include-lsn', '1', 'include-timestamp', '1', 'add-tables', ?";
    private static final ChangePosition ANYWHERE = new ChangePosition(0, 0, 0);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void format_2_changes_equal_format_1_changes_of_the_same_workload(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(83, dir); Connection slots = run.database.connect()) {
            try (Statement ddl = run.writer.createStatement()) {
                // values the four sources do not hold: numerics of every kind, floats, arrays, text beyond ASCII
                ddl.execute("create table probe (id int primary key, n numeric(12,4), big numeric, d double precision,"
                        + " r real, a int[], t text, b boolean, j jsonb)");
                run.writer.commit();
            }
            String tables = String.join(",", run.schema.tables().keySet().stream().map(t -> "*." + t).toList()) + ",*.probe";
            for (String format : List.of("v1", "v2")) {
                try (Statement create = slots.createStatement()) {
                    create.execute("select pg_create_logical_replication_slot('wm_" + format + "_" + run.slot + "', 'wal2json', true)");
                }
            }
            run.workload.run(300);
            try (Statement statement = run.writer.createStatement()) {
                statement.execute("insert into probe values (1, 12.3400, 123456789012345678901234567890.000000001, 1.5e300,"
                        + " -0.25, '{1,2,3}', 'Grüße 💳 \"quoted\" \\ back', true, '{\"k\": [1, null, \"x\"]}'),"
                        + " (2, 'NaN', -0.0, 'Infinity', 'NaN', null, '', false, 'null'), (3, null, null, null, null, null, null, null, null)");
                statement.execute("update probe set n = -1.5e3, b = null where id = 1");
                statement.execute("delete from probe where id = 2");
                run.writer.commit();
                statement.execute("truncate probe");
                run.writer.commit();
            }
            run.workload.run(100);

            List<WalChange> v1 = formatOne(slots, "wm_v1_" + run.slot, tables);
            List<WalChange> v2 = formatTwo(slots, "wm_v2_" + run.slot, tables);
            List<WalChange> truncates = v2.stream().filter(c -> "truncate".equals(c.kind())).toList();
            assertEquals(1, truncates.size(), "one truncate in format 2");
            WalChange truncate = truncates.get(0);
            assertEquals(new WalChange(ANYWHERE, "truncate", "public", "probe", List.of(), List.of(), List.of(), null, null,
                    Map.of(), truncate.recordLsn()), truncate, "a truncate in format 2");
            assertTrue(truncate.recordLsn() != null, "the truncate carries its transaction's nextlsn");
            List<WalChange> v2WithoutTruncates = v2.stream().filter(c -> !"truncate".equals(c.kind())).toList();
            assertTrue(v1.size() > 800, "the workload made only " + v1.size() + " changes");
            assertEquals(v1.size(), v2WithoutTruncates.size(), "as many changes in both formats (format 1 has no truncate)");
            for (int i = 0; i < v1.size(); i++) {
                assertEquals(v1.get(i), v2WithoutTruncates.get(i), "change " + (i + 1) + " of " + v1.size() + " differs in "
                        + differences(v1.get(i), v2WithoutTruncates.get(i)));
            }
            assertTrue(v1.stream().anyMatch(c -> "update".equals(c.kind()) && c.table().equals(run.schema.token)
                            && !c.columnNames().contains("vault_data")),
                    "some update left an unchanged TOAST column out, in both formats");
        }
    }

    private static List<WalChange> formatOne(Connection connection, String slot, String tables) throws Exception {
        StringBuilder records = new StringBuilder("[");
        try (PreparedStatement changes = connection.prepareStatement(
                "select data from pg_logical_slot_get_changes(?, null, null, 'format-version', '1', " + OPTIONS + ")")) {
            changes.setString(1, slot);
            changes.setString(2, tables);
            try (ResultSet rows = changes.executeQuery()) {
                while (rows.next()) {
                    records.append(records.length() == 1 ? "" : ",\n").append(rows.getString(1));
                }
            }
        }
        records.append("]");
        List<WalChange> parsed = new ArrayList<>();
        try (WalReader reader = new WalReader(new ByteArrayInputStream(records.toString().getBytes(StandardCharsets.UTF_8)),
                "format 1", null)) {
            while (reader.nextBatch()) {
                for (WalChange change = reader.nextChange(); change != null; change = reader.nextChange()) {
                    parsed.add(unplaced(change));
                }
            }
        }
        return parsed;
    }

    private static List<WalChange> formatTwo(Connection connection, String slot, String tables) throws Exception {
        List<WalChange> parsed = new ArrayList<>();
        try (PreparedStatement changes = connection.prepareStatement(
                "select data from pg_logical_slot_get_changes(?, null, null, 'format-version', '2', " + OPTIONS + ")")) {
            changes.setString(1, slot);
            changes.setString(2, tables);
            try (ResultSet rows = changes.executeQuery()) {
                Lsn transaction = null;
                while (rows.next()) {
                    Wal2jsonV2.Message message = Wal2jsonV2.parse(rows.getString(1), ANYWHERE, transaction);
                    switch (message.action()) {
                        case BEGIN -> transaction = message.nextLsn();
                        case COMMIT -> {
                            assertEquals(transaction, message.nextLsn(), "a C carries the nextlsn of its B");
                            transaction = null;
                        }
                        case CHANGE -> parsed.add(message.change());
                        default -> {
                        }
                    }
                }
            }
        }
        return parsed;
    }

    /** The components in which two changes differ, each as format 1 has it, then format 2. */
    private static String differences(WalChange one, WalChange two) {
        List<String> differ = new ArrayList<>();
        var components = WalChange.class.getRecordComponents();
        for (var component : components) {
            try {
                Object a = component.getAccessor().invoke(one);
                Object b = component.getAccessor().invoke(two);
                if (!java.util.Objects.equals(a, b)) {
                    differ.add(component.getName() + ": " + a + " / " + b);
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return String.join("; ", differ);
    }

    private static WalChange unplaced(WalChange change) {
        return new WalChange(ANYWHERE, change.kind(), change.schema(), change.table(), change.columnNames(), change.columnTypes(),
                change.columnValues(), change.oldKeys(), change.malformed(), change.otherFields(), change.recordLsn());
    }
}
