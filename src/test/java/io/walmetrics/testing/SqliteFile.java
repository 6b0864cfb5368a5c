package io.walmetrics.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * A loader's database file read with plain JDBC, a connection per query, so a test can look at it
 * between (or during) the runs of child processes without holding anything open.
 */
public final class SqliteFile {

    private final Path file;

    public SqliteFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /** Every row of a query, each as its column values in order (SQLite's own types). */
    public List<List<Object>> rows(String sql) {
        if (!exists()) {
            // a connection would create the file, which is not what any test means to do
            throw new AssertionError("no database at " + file);
        }
        try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + file)) {
            return rows(connection, sql);
        } catch (SQLException e) {
            throw new AssertionError(file.getFileName() + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /** The first column of the first row as a number; 0 for no row or NULL. */
    public long number(String sql) {
        List<List<Object>> rows = rows(sql);
        Object value = rows.isEmpty() ? null : rows.get(0).get(0);
        return value == null ? 0 : ((Number) value).longValue();
    }

    public List<Object> column(String sql) {
        return rows(sql).stream().map(row -> row.get(0)).toList();
    }

    /** Whether a table or view of the name exists. */
    public boolean hasTable(String name) {
        // names are case-insensitive in SQL; Liquibase creates DATABASECHANGELOG in capitals
        return number("select count(*) from sqlite_schema where name = '" + name + "' collate nocase") > 0;
    }

    /** {@code pragma integrity_check}, as the loader's own SQLite (the JDBC driver's) sees it. */
    public List<String> integrityCheck() {
        return column("pragma integrity_check").stream().map(String::valueOf).toList();
    }

    /**
     * A number read while another process may be writing, through a read-only connection: empty
     * when there is no file yet, or the query cannot run yet (no table before the migration).
     */
    public Optional<Long> peekNumber(String sql) {
        if (!exists()) {
            return Optional.empty();
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection connection = config.createConnection("jdbc:sqlite:" + file)) {
            List<List<Object>> rows = rows(connection, sql);
            Object value = rows.isEmpty() ? null : rows.get(0).get(0);
            return Optional.of(value == null ? 0L : ((Number) value).longValue());
        } catch (SQLException notYet) {
            return Optional.empty();
        }
    }

    private static List<List<Object>> rows(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(Collections.unmodifiableList(row));
            }
            return rows;
        }
    }
}
