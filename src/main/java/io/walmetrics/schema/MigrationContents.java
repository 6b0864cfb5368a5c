package io.walmetrics.schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the jar's migrations make, read from the migration files themselves: their changeset ids
 * (in changelog order) and their tables, and which changesets had run once a table existed.
 */
public record MigrationContents(List<String> changesetIds, Set<String> tables, Map<String, List<String>> changesetsUpToTable) {

    /** The author every changeset of {@code migrations/} is written under. */
    public static final String AUTHOR = "wal-metrics-loader";

    /** Liquibase's own bookkeeping tables, which every migrated database holds too. */
    private static final Set<String> LIQUIBASE_TABLES = Set.of("databasechangelog", "databasechangeloglock");

    private static final Pattern INCLUDE = Pattern.compile("<include file=\"([^\"]+)\"");
    private static final Pattern CHANGESET = Pattern.compile("(?m)^--\\s*changeset\\s+" + AUTHOR + ":(\\S+)");
    private static final Pattern CREATE_TABLE = Pattern.compile(
            "(?i)create\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?\"?(\\w+)\"?");

    private static MigrationContents ofJar;

    public MigrationContents {
        changesetIds = List.copyOf(changesetIds);
        tables = Set.copyOf(tables);
        changesetsUpToTable = Map.copyOf(changesetsUpToTable);
    }

    /** The migrations of this jar, read once. */
    public static synchronized MigrationContents ofJar() {
        if (ofJar == null) {
            List<String> ids = new ArrayList<>();
            Set<String> tables = new TreeSet<>(LIQUIBASE_TABLES);
            Map<String, List<String>> upToTable = new HashMap<>();
            Matcher include = INCLUDE.matcher(ProjectFiles.read(SchemaMigrator.CHANGELOG));
            while (include.find()) {
                String migration = ProjectFiles.read(include.group(1));
                CHANGESET.matcher(migration).results().forEach(changeset -> ids.add(changeset.group(1)));
                List<String> idsSoFar = List.copyOf(ids);
                CREATE_TABLE.matcher(migration).results().forEach(table -> {
                    String name = table.group(1).toLowerCase(Locale.ROOT);
                    tables.add(name);
                    upToTable.putIfAbsent(name, idsSoFar);
                });
            }
            ofJar = new MigrationContents(ids, tables, upToTable);
        }
        return ofJar;
    }

    /** Every changeset up to and including the migration file that creates the table; empty for a table none creates. */
    public List<String> changesetsUpTo(String table) {
        return changesetsUpToTable.getOrDefault(table.toLowerCase(Locale.ROOT), List.of());
    }

    /** True when the migrations (or Liquibase, for them) create a table of this name. */
    public boolean makesTable(String name) {
        return tables.contains(name.toLowerCase(Locale.ROOT));
    }
}
