package io.walmetrics.transform;

import io.walmetrics.schema.SourceColumn;
import io.walmetrics.schema.SourceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The text of a source's fold trigger, {@code stg_<source>_folds_upsert}, for its columns. The
 * migration declares these triggers (migrations/005; a test holds it equal to this text), and the
 * {@code schema} command prints it for a source with added columns, since the trigger lists every
 * column it carries over.
 */
public final class FoldTriggerSql {

    private FoldTriggerSql() {
    }

    public static String upsertTrigger(SourceTable source) {
        String key = source.keyColumn();
        List<String> others = source.columns().stream().map(SourceColumn::name).filter(name -> !name.equals(key)).toList();
        List<String> targets = new ArrayList<>();
        targets.add(key);
        targets.addAll(others);
        targets.add("extra_columns");
        targets.add("changed_by_seq");
        List<String> updated = new ArrayList<>(others);
        updated.add("extra_columns");
        updated.add("changed_by_seq");

        StringBuilder sql = new StringBuilder();
        sql.append("create trigger if not exists ").append(source.stagingTable()).append("_folds_upsert\n")
                .append("after insert on ").append(source.stagingTable()).append('\n')
                .append("when new.kind in ('insert', 'update')\n")
                .append("begin\n")
                .append("    -- An insert puts the row as it comes. An update overlays what it carries on the row\n")
                .append("    -- found under its old key (or its key when it has no oldkeys); a column it leaves out\n")
                .append("    -- (an unchanged TOAST value) keeps its current value.\n")
                .append("    insert into ").append(source.currentTable()).append(" (\n")
                .append(targets.stream().map(name -> "        " + name).collect(Collectors.joining(",\n"))).append('\n')
                .append("    )\n")
                .append("    select\n")
                .append("        new.").append(key).append(",\n");
        for (String column : others) {
            sql.append("        iif(instr(new.missing_columns, '\"").append(column).append("\"'), cur.").append(column)
                    .append(", new.").append(column).append("),\n");
        }
        sql.append(String.join("\n", List.of(
                "        -- unknown columns: those the change carries replace the current ones, a null included",
                "        case",
                "            when cur.extra_columns is null then new.extra_columns",
                "            when new.extra_columns is null then cur.extra_columns",
                "            else (",
                "                select json_group_object(merged.key, json(merged.value))",
                "                from (",
                "                    select kept.key, cur.extra_columns -> kept.fullkey as value",
                "                    from json_each(cur.extra_columns) as kept",
                "                    where kept.key not in (select key from json_each(new.extra_columns))",
                "                    union all",
                "                    select carried.key, new.extra_columns -> carried.fullkey",
                "                    from json_each(new.extra_columns) as carried",
                "                ) as merged",
                "            )",
                "        end,",
                "        new.change_seq",
                "    from (select 1)",
                "    left join {current} as cur",
                "        on new.kind = 'update' and cur.{key} = coalesce(new.old_key, new.{key})",
                "    where true",
                "    on conflict ({key}) do update set"))
                .replace("{current}", source.currentTable()).replace("{key}", key)).append('\n');
        sql.append(updated.stream().map(name -> "        " + name + " = excluded." + name).collect(Collectors.joining(",\n")))
                .append(";\n\n")
                .append("    -- A key-changing update moves the row: the old key is gone.\n")
                .append("    delete from ").append(source.currentTable()).append('\n')
                .append("    where new.kind = 'update' and ").append(key).append(" = new.old_key and new.old_key <> new.")
                .append(key).append(";\n")
                .append("end;");
        return sql.toString();
    }
}
