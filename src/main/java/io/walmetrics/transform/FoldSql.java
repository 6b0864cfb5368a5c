package io.walmetrics.transform;

import io.walmetrics.schema.SourceColumn;
import io.walmetrics.schema.SourceTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one template of the fold: the statements that apply a range of landed changes of one source
 * ({@code change_seq} after {@code :after_seq} up to {@code :up_to_seq}) to its current table.
 * SQLite cannot take a table or column name as a parameter, so the text is rendered per source
 * from its columns: the loader renders it for the catalog of the database it writes (a column added
 * by a {@code schema} changeset is folded like the others), and {@code sql/fold/} holds the rendering
 * for the published catalog, for review and for running by hand (a test keeps the files equal to
 * this template).
 *
 * <p>The meaning is the sequential one, change by change in landing order: an insert puts the row
 * as it comes; an update overlays the columns it carries on the row under its old key (a column it
 * leaves out, an unchanged TOAST value, keeps its value); a delete removes the row. Set-based, the
 * last change of a key decides whether the row exists, and each column comes from the latest change
 * of the range that carried it (an insert or a delete carries every column, a delete as null), or
 * from the current row when none did. Keys that a key-changing update or an unknown column
 * ({@code extra_columns}) touches take the exact route: their changes are applied one at a time.
 *
 * <p>A truncate of the source (a row of {@code stg_truncate}) empties the table at its place in the
 * sequence: the range is split at each one (000 lists them), the changes before it are folded, 070 and
 * 075 mark the join keys of every current row and remove them all, and the changes after it are folded
 * onto the empty table.
 */
public final class FoldSql {

    /**
     * The per-source steps, in run order: 000 lists the source's truncates in the range, which split
     * it into parts; for each part, 005 before the fold and again after it (the join keys of the rows
     * as they were and as they are), then 010 to 060 (040 lists the changes that 050 and 060 apply one
     * at a time); at each truncate between two parts, 070 then 075.
     */
    public static final String LIST_TRUNCATES = "000_list_truncates.sql";
    public static final String MARK_AFFECTED_KEYS = "005_mark_affected_keys.sql";
    public static final String MARK_EXACT_KEYS = "010_mark_exact_keys.sql";
    public static final String UPSERT_LAST_WHOLE_CHANGES = "020_upsert_last_whole_changes.sql";
    public static final String UPSERT_LAST_PARTIAL_UPDATES = "025_upsert_last_partial_updates.sql";
    public static final String DELETE_LAST_DELETES = "030_delete_last_deletes.sql";
    public static final String LIST_EXACT_CHANGES = "040_list_exact_changes.sql";
    public static final String UPSERT_ONE_CHANGE = "050_upsert_one_change.sql";
    public static final String DELETE_ONE_KEY = "060_delete_one_key.sql";
    public static final String MARK_EVERY_AFFECTED_KEY = "070_mark_every_affected_key.sql";
    public static final String DELETE_EVERY_ROW = "075_delete_every_row.sql";

    /** Shared by every source: the temporary table of keys on the exact route, and its clearing. */
    public static final String CREATE_EXACT_KEYS = "000_create_exact_keys.sql";
    public static final String CLEAR_EXACT_KEYS = "900_clear_exact_keys.sql";

    private static final String RANGE = range("s");

    /**
     * What a row of each source is known by in the metric's join, for {@code affected_key}: the
     * value that sql/010 resolves to the events whose metric may change with the row.
     */
    private record JoinKey(String kind, String column) {
    }

    private static final Map<String, JoinKey> JOIN_KEYS = Map.of(
            "event", new JoinKey("event_id", "id"),
            "transaction", new JoinKey("transaction_id", "transaction_id"),
            "transaction_request", new JoinKey("flow_id", "flow_id"),
            "payment_instrument_token", new JoinKey("token_id", "token_id"));

    private FoldSql() {
    }

    /** The shared files, by name. */
    public static Map<String, String> sharedFiles() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(CREATE_EXACT_KEYS, header(CREATE_EXACT_KEYS, null,
                "hold the keys of the source being folded whose changes take the exact route.",
                "nothing", "temp.fold_exact_key", "one row per key", List.of())
                + "create temp table if not exists fold_exact_key (\n"
                + "    key_value text not null primary key\n"
                + ") without rowid;\n");
        files.put(CLEAR_EXACT_KEYS, header(CLEAR_EXACT_KEYS, null,
                "forget the exact-route keys once a source is folded (before the next source).",
                "nothing", "temp.fold_exact_key", null, List.of())
                + "delete from temp.fold_exact_key;\n");
        return files;
    }

    /** The files of one source, by name, in run order. */
    public static Map<String, String> sourceFiles(SourceTable source) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(LIST_TRUNCATES, listTruncates(source));
        files.put(MARK_AFFECTED_KEYS, markAffectedKeys(source));
        files.put(MARK_EXACT_KEYS, markExactKeys(source));
        files.put(UPSERT_LAST_WHOLE_CHANGES, upsertLastWholeChanges(source));
        files.put(UPSERT_LAST_PARTIAL_UPDATES, upsertLastPartialUpdates(source));
        files.put(DELETE_LAST_DELETES, deleteLastDeletes(source));
        files.put(LIST_EXACT_CHANGES, listExactChanges(source));
        files.put(UPSERT_ONE_CHANGE, upsertOneChange(source));
        files.put(DELETE_ONE_KEY, deleteOneKey(source));
        files.put(MARK_EVERY_AFFECTED_KEY, markEveryAffectedKey(source));
        files.put(DELETE_EVERY_ROW, deleteEveryRow(source));
        return files;
    }

    private static JoinKey joinKey(SourceTable source) {
        JoinKey joinKey = JOIN_KEYS.get(source.source());
        if (joinKey == null) {
            throw new IllegalArgumentException("no join key known for source " + source.source());
        }
        return joinKey;
    }

    private static String listTruncates(SourceTable source) {
        return header(LIST_TRUNCATES, source,
                "list, in landing order, the truncates of the source in the range: the fold folds the changes\n"
                        + "--          before each, runs 070 and 075 at it, and folds the changes after it on the empty table.",
                "stg_truncate", "nothing", "one row per truncate", List.of(":after_seq", ":up_to_seq"), false)
                + "select t.change_seq\n"
                + "from main.stg_truncate as t\n"
                + "where t.source = '" + source.source() + "'\n"
                + "  and " + range("t") + "\n"
                + "order by t.change_seq;\n";
    }

    private static String markEveryAffectedKey(SourceTable source) {
        JoinKey joinKey = joinKey(source);
        return header(MARK_EVERY_AFFECTED_KEY, source,
                "at a truncate, before 075: mark the join key of every current row, so that sql/010 finds every\n"
                        + "--          event whose metric may go with the rows.",
                source.currentTable(), "affected_key", "one row per join key", List.of(), false)
                + "insert or ignore into main.affected_key (key_kind, key_value)\n"
                + "select '" + joinKey.kind() + "', cur." + joinKey.column() + "\n"
                + "from main." + source.currentTable() + " as cur\n"
                + "where cur." + joinKey.column() + " is not null;\n";
    }

    private static String deleteEveryRow(SourceTable source) {
        return header(DELETE_EVERY_ROW, source,
                "at a truncate, after 070: remove every current row of the source.",
                "nothing", source.currentTable(), "every row", List.of(), false)
                + "delete from main." + source.currentTable() + ";\n";
    }

    private static String markAffectedKeys(SourceTable source) {
        String key = source.keyColumn();
        JoinKey joinKey = joinKey(source);
        return header(MARK_AFFECTED_KEYS, source,
                "mark the join keys of the current rows the range's changes touch, so that sql/010 finds\n"
                        + "--          the events whose metric may change: run before the fold (the rows as they were) and\n"
                        + "--          after it (as they are).",
                source.stagingTable() + ", " + source.currentTable(), "affected_key", "one row per join key",
                List.of(":after_seq", ":up_to_seq"))
                + "insert or ignore into main.affected_key (key_kind, key_value)\n"
                + "select '" + joinKey.kind() + "', cur." + joinKey.column() + "\n"
                + "from main." + source.currentTable() + " as cur\n"
                + "where cur." + joinKey.column() + " is not null\n"
                + "  and cur." + key + " in (\n"
                + "      select coalesce(s.old_key, s." + key + ")\n"
                + "      from main." + source.stagingTable() + " as s\n"
                + "      where " + RANGE + "\n"
                + "      union\n"
                + "      select s." + key + "\n"
                + "      from main." + source.stagingTable() + " as s\n"
                + "      where " + RANGE + "\n"
                + "  );\n";
    }

    private static String markExactKeys(SourceTable source) {
        String key = source.keyColumn();
        return header(MARK_EXACT_KEYS, source,
                "mark the keys whose changes in the range must be applied one at a time: both keys of a\n"
                        + "--          key-changing update, and every key a change with unknown columns touches.",
                source.stagingTable(), "temp.fold_exact_key", "one row per key",
                List.of(":after_seq", ":up_to_seq"))
                + "insert or ignore into temp.fold_exact_key (key_value)\n"
                + "select s.old_key\n"
                + "from main." + source.stagingTable() + " as s\n"
                + "where " + RANGE + "\n"
                + "  and s.kind = 'update' and s.old_key <> s." + key + "\n"
                + "union\n"
                + "select s." + key + "\n"
                + "from main." + source.stagingTable() + " as s\n"
                + "where " + RANGE + "\n"
                + "  and s.kind = 'update' and s.old_key <> s." + key + "\n"
                + "union\n"
                + "select coalesce(s.old_key, s." + key + ")\n"
                + "from main." + source.stagingTable() + " as s\n"
                + "where " + RANGE + "\n"
                + "  and s.extra_columns is not null;\n";
    }

    /** The last change per key of the range, and whether it or an earlier one replaced the whole row. */
    private static final String LAST_CHANGE_PER_KEY_COLUMNS = "max(s.change_seq) as last_seq,\n"
            + "        max(iif(s.kind <> 'update', s.change_seq, null)) as base_seq";

    /** A change that carries every column: an insert, or an update that left none out. */
    private static final String CARRIES_EVERY_COLUMN = "(l.kind = 'insert' or (l.kind = 'update' and l.missing_columns is null))";

    /** A change of the staging table known as {@code alias} that left columns out: an update without an unchanged TOAST value. */
    private static String leavesColumnsOut(String alias) {
        return alias + ".kind = 'update' and " + alias + ".missing_columns is not null";
    }

    private static String upsertLastWholeChanges(SourceTable source) {
        String key = source.keyColumn();
        StringBuilder sql = new StringBuilder(header(UPSERT_LAST_WHOLE_CHANGES, source,
                "put every key of the range whose last change carries every column (an insert, or an update\n"
                        + "--          that left none out), and that is not on the exact route, as that change has it.",
                source.stagingTable() + ", " + source.currentTable() + ", temp.fold_exact_key",
                source.currentTable(), "one row per key", List.of(":after_seq", ":up_to_seq")));
        sql.append(insertIntoCurrent(source))
                .append("    f.key_value,\n");
        for (String column : others(source)) {
            sql.append("    l.").append(column).append(",\n");
        }
        sql.append("    -- no change of a key on this route carries unknown columns: an insert or a delete clears them\n")
                .append("    iif(f.base_seq is null, (select cur.extra_columns from main.").append(source.currentTable())
                .append(" as cur where cur.").append(key).append(" = f.key_value), null),\n")
                .append("    f.last_seq\n")
                .append("from (\n")
                .append("    select\n")
                .append("        coalesce(s.old_key, s.").append(key).append(") as key_value,\n")
                .append("        ").append(LAST_CHANGE_PER_KEY_COLUMNS).append('\n')
                .append("    from main.").append(source.stagingTable()).append(" as s\n")
                .append("    where ").append(RANGE).append('\n')
                .append("    group by 1\n")
                .append(") as f\n")
                .append("join main.").append(source.stagingTable()).append(" as l on l.change_seq = f.last_seq\n")
                .append("where ").append(CARRIES_EVERY_COLUMN).append('\n')
                .append("  and f.key_value not in (select key_value from temp.fold_exact_key)\n")
                .append(onConflictReplace(source));
        return sql.toString();
    }

    private static String upsertLastPartialUpdates(SourceTable source) {
        String key = source.keyColumn();
        List<String> others = others(source);
        StringBuilder sql = new StringBuilder(header(UPSERT_LAST_PARTIAL_UPDATES, source,
                "put every key of the range whose last change is an update that left columns out (and that\n"
                        + "--          is not on the exact route) as the changes leave it: each column from the latest\n"
                        + "--          change that carried it, or from the current row when none did.",
                source.stagingTable() + ", " + source.currentTable() + ", temp.fold_exact_key",
                source.currentTable(), "one row per key", List.of(":after_seq", ":up_to_seq")));
        sql.append(insertIntoCurrent(source))
                .append("    f.key_value,\n");
        for (String column : others) {
            sql.append("    case\n")
                    .append("        when f.").append(column).append("_seq is null then cur.").append(column).append('\n')
                    .append("        when f.").append(column).append("_seq = f.last_seq then l.").append(column).append('\n')
                    .append("        else (select c.").append(column).append(" from main.").append(source.stagingTable())
                    .append(" as c where c.change_seq = f.").append(column).append("_seq)\n")
                    .append("    end,\n");
        }
        sql.append("    -- no change of a key on this route carries unknown columns: an insert or a delete clears them\n")
                .append("    iif(f.base_seq is null, cur.extra_columns, null),\n")
                .append("    f.last_seq\n")
                .append("from (\n")
                .append("    select\n")
                .append("        coalesce(s.old_key, s.").append(key).append(") as key_value,\n")
                .append("        ").append(LAST_CHANGE_PER_KEY_COLUMNS).append(",\n");
        for (int i = 0; i < others.size(); i++) {
            String column = others.get(i);
            sql.append("        max(iif(s.kind <> 'update' or s.missing_columns is null or instr(s.missing_columns, '\"")
                    .append(column).append("\"') = 0, s.change_seq, null)) as ").append(column).append("_seq")
                    .append(i == others.size() - 1 ? "\n" : ",\n");
        }
        sql.append("    from main.").append(source.stagingTable()).append(" as s\n")
                .append("    where ").append(RANGE).append('\n')
                .append("      -- only the keys with an update that left columns out: the others are 020's\n")
                .append("      and coalesce(s.old_key, s.").append(key).append(") in (\n")
                .append("          select coalesce(p.old_key, p.").append(key).append(")\n")
                .append("          from main.").append(source.stagingTable()).append(" as p\n")
                .append("          where ").append(range("p")).append('\n')
                .append("            and ").append(leavesColumnsOut("p")).append('\n')
                .append("      )\n")
                .append("    group by 1\n")
                .append(") as f\n")
                .append("join main.").append(source.stagingTable()).append(" as l on l.change_seq = f.last_seq\n")
                .append("left join main.").append(source.currentTable()).append(" as cur on cur.").append(key)
                .append(" = f.key_value\n")
                .append("where ").append(leavesColumnsOut("l")).append('\n')
                .append("  and f.key_value not in (select key_value from temp.fold_exact_key)\n")
                .append(onConflictReplace(source));
        return sql.toString();
    }

    private static String deleteLastDeletes(SourceTable source) {
        String key = source.keyColumn();
        return header(DELETE_LAST_DELETES, source,
                "remove every key of the range whose last change is a delete (and that is not on the exact route).",
                source.stagingTable() + ", temp.fold_exact_key", source.currentTable(), "one row per key",
                List.of(":after_seq", ":up_to_seq"))
                + "delete from main." + source.currentTable() + "\n"
                + "where " + key + " in (\n"
                + "    select f.key_value\n"
                + "    from (\n"
                + "        select coalesce(s.old_key, s." + key + ") as key_value, max(s.change_seq) as last_seq\n"
                + "        from main." + source.stagingTable() + " as s\n"
                + "        where " + RANGE + "\n"
                + "        group by 1\n"
                + "    ) as f\n"
                + "    join main." + source.stagingTable() + " as l on l.change_seq = f.last_seq\n"
                + "    where l.kind = 'delete'\n"
                + "      and f.key_value not in (select key_value from temp.fold_exact_key)\n"
                + ");\n";
    }

    private static String listExactChanges(SourceTable source) {
        String key = source.keyColumn();
        return header(LIST_EXACT_CHANGES, source,
                "list, in landing order, the changes of the range on the exact route: for each, run 050\n"
                        + "--          and then 060 with its :change_seq.",
                source.stagingTable() + ", temp.fold_exact_key", "nothing", "one row per change",
                List.of(":after_seq", ":up_to_seq"))
                + "select s.change_seq\n"
                + "from main." + source.stagingTable() + " as s\n"
                + "where " + RANGE + "\n"
                + "  and (\n"
                + "      coalesce(s.old_key, s." + key + ") in (select key_value from temp.fold_exact_key)\n"
                + "      or s." + key + " in (select key_value from temp.fold_exact_key)\n"
                + "  )\n"
                + "order by s.change_seq;\n";
    }

    private static String upsertOneChange(SourceTable source) {
        String key = source.keyColumn();
        StringBuilder sql = new StringBuilder(header(UPSERT_ONE_CHANGE, source,
                "apply one landed insert or update: an insert puts the row as it comes; an update overlays\n"
                        + "--          what it carries on the row under its old key (or its key when it has no oldkeys).",
                source.stagingTable() + ", " + source.currentTable(), source.currentTable(), "one row",
                List.of(":change_seq")));
        sql.append(insertIntoCurrent(source))
                .append("    s.").append(key).append(",\n");
        for (String column : others(source)) {
            sql.append("    iif(instr(s.missing_columns, '\"").append(column).append("\"'), cur.").append(column)
                    .append(", s.").append(column).append("),\n");
        }
        sql.append("    -- unknown columns: those the change carries replace the current ones, a null included\n")
                .append("    case\n")
                .append("        when cur.extra_columns is null then s.extra_columns\n")
                .append("        when s.extra_columns is null then cur.extra_columns\n")
                .append("        else (\n")
                .append("            select json_group_object(merged.key, json(merged.value))\n")
                .append("            from (\n")
                .append("                select kept.key, cur.extra_columns -> kept.fullkey as value\n")
                .append("                from json_each(cur.extra_columns) as kept\n")
                .append("                where kept.key not in (select key from json_each(s.extra_columns))\n")
                .append("                union all\n")
                .append("                select carried.key, s.extra_columns -> carried.fullkey\n")
                .append("                from json_each(s.extra_columns) as carried\n")
                .append("            ) as merged\n")
                .append("        )\n")
                .append("    end,\n")
                .append("    s.change_seq\n")
                .append("from main.").append(source.stagingTable()).append(" as s\n")
                .append("left join main.").append(source.currentTable()).append(" as cur\n")
                .append("    on s.kind = 'update' and cur.").append(key).append(" = coalesce(s.old_key, s.").append(key)
                .append(")\n")
                .append("where s.change_seq = :change_seq and s.kind in ('insert', 'update')\n")
                .append(onConflictReplace(source));
        return sql.toString();
    }

    private static String deleteOneKey(SourceTable source) {
        String key = source.keyColumn();
        return header(DELETE_ONE_KEY, source,
                "after 050, remove the row a change leaves behind: a delete's, or the old key of a key-changing update.",
                source.stagingTable(), source.currentTable(), "one row", List.of(":change_seq"))
                + "delete from main." + source.currentTable() + "\n"
                + "where " + key + " = (\n"
                + "    select s.old_key\n"
                + "    from main." + source.stagingTable() + " as s\n"
                + "    where s.change_seq = :change_seq\n"
                + "      and (s.kind = 'delete' or (s.kind = 'update' and s.old_key <> s." + key + "))\n"
                + ");\n";
    }

    /** The changes of the range, of the staging table known as {@code alias}. */
    private static String range(String alias) {
        return alias + ".change_seq > :after_seq and " + alias + ".change_seq <= :up_to_seq";
    }

    private static String header(String file, SourceTable source, String purpose, String reads, String writes,
                                 String grain, List<String> parameters) {
        return header(file, source, purpose, reads, writes, grain, parameters, true);
    }

    /** {@code exactKeys}: whether running the file by hand needs the temporary table of 000_create_exact_keys first. */
    private static String header(String file, SourceTable source, String purpose, String reads, String writes,
                                 String grain, List<String> parameters, boolean exactKeys) {
        String path = source == null ? "sql/fold/" + file : "sql/fold/" + source.source() + "/" + file;
        StringBuilder text = new StringBuilder();
        text.append("-- ").append(path).append('\n')
                .append("-- Generated by FoldSql (src/main/java/io/walmetrics/transform/FoldSql.java), the fold's one\n")
                .append("-- template; do not edit: change the template and run\n")
                .append("--   mvn -q test -Dtest=FoldSqlFilesTest -Dwalmetrics.regenerate=true\n")
                .append("-- Purpose: ").append(purpose).append('\n')
                .append("-- Reads:   ").append(reads).append('\n')
                .append("-- Writes:  ").append(writes).append('\n');
        if (grain != null) {
            text.append("-- Grain:   ").append(grain).append('\n');
        }
        if (parameters.isEmpty()) {
            text.append("-- Params:  none\n");
        } else {
            text.append("-- Params:  ").append(parameters.stream().map(p -> switch (p) {
                case ":after_seq" -> ":after_seq   the last change_seq already folded (the range starts after it)";
                case ":up_to_seq" -> ":up_to_seq   the last change_seq of the range";
                default -> ":change_seq  the change to apply";
            }).collect(Collectors.joining("\n--          "))).append('\n');
        }
        text.append("-- By hand: sqlite3 metrics.db\n");
        if (source != null && exactKeys) {
            text.append("--          sqlite> .read sql/fold/").append(CREATE_EXACT_KEYS).append('\n');
        }
        for (String parameter : parameters) {
            text.append("--          sqlite> .parameter set ").append(parameter).append(switch (parameter) {
                case ":after_seq" -> " 0";
                case ":up_to_seq" -> " 1000";
                default -> " 42";
            }).append('\n');
        }
        text.append("--          sqlite> .read ").append(path).append('\n');
        return text.toString();
    }

    private static List<String> others(SourceTable source) {
        return source.columns().stream().map(SourceColumn::name).filter(name -> !name.equals(source.keyColumn())).toList();
    }

    private static List<String> targets(SourceTable source) {
        List<String> targets = new ArrayList<>();
        targets.add(source.keyColumn());
        targets.addAll(others(source));
        targets.add("extra_columns");
        targets.add("changed_by_seq");
        return targets;
    }

    /** The head of an upsert into the source's current table: its columns, then the select that fills them. */
    private static String insertIntoCurrent(SourceTable source) {
        return "insert into main." + source.currentTable() + " (\n" + indented(targets(source), 4) + "\n)\nselect\n";
    }

    /** The tail of an upsert: a row already under the key takes every column of the new one. */
    private static String onConflictReplace(SourceTable source) {
        List<String> updated = new ArrayList<>(others(source));
        updated.add("extra_columns");
        updated.add("changed_by_seq");
        return "on conflict (" + source.keyColumn() + ") do update set\n"
                + updated.stream().map(name -> "    " + name + " = excluded." + name).collect(Collectors.joining(",\n")) + ";\n";
    }

    private static String indented(List<String> names, int spaces) {
        String indent = " ".repeat(spaces);
        return names.stream().map(name -> indent + name).collect(Collectors.joining(",\n"));
    }
}
