package io.walmetrics.schema;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Whether a column the WAL carries and the migrations do not declare can be given a column of its
 * own in its source's staging and current tables (docs/reference.md#source-tables). The loader's
 * SQL names a source column as the WAL names it, unquoted, beside columns of its own: a name that
 * is one of those, that is not a plain lower-case name, or that SQLite reserves stays in
 * {@code extra_columns} for good, and {@code schema FILE} says why instead of proposing a column.
 */
public final class ColumnNames {

    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]*");

    private final Handle handle;

    /** @param handle a connection to ask SQLite which words it reserves */
    public ColumnNames(Handle handle) {
        this.handle = handle;
    }

    /** Why {@code name} cannot be a column of its own of {@code source}, or null when it can. */
    public String whyKeptInExtraColumns(String name, SourceTable source) {
        List<String> ownStaging = loaderColumns(source.stagingColumns(), source);
        if (ownStaging.contains(name)) {
            return name + " is a column of the loader's own in " + source.stagingTable();
        }
        if (loaderColumns(source.currentColumns(), source).contains(name)) {
            return name + " is a column of the loader's own in " + source.currentTable();
        }
        if (!PLAIN.matcher(name).matches()) {
            return "\"" + name + "\" is not a plain lower-case name (letters, digits, _), which the loader's SQL writes unquoted";
        }
        if (reservedBySqlite(name)) {
            return name + " is a word SQLite reserves";
        }
        return null;
    }

    private static List<String> loaderColumns(List<String> tableColumns, SourceTable source) {
        List<String> own = new ArrayList<>(tableColumns);
        source.columns().forEach(column -> own.remove(column.name()));
        return own;
    }

    /** SQLite itself is asked: a reserved word does not compile as a column name (a plain name, so nothing is injected). */
    private boolean reservedBySqlite(String plainName) {
        try (PreparedStatement probe = handle.getConnection().prepareStatement("select 1 as " + plainName)) {
            return false;
        } catch (SQLException syntaxError) {
            return true;
        }
    }
}
