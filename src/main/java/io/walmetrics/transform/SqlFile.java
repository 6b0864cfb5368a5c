package io.walmetrics.transform;

import io.walmetrics.schema.ProjectFiles;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * One file of {@code sql/}: one statement with {@code :snake_case} parameters, read from the
 * classpath, where the build puts the very files a person runs by hand in sqlite3.
 *
 * <p>JDBI's parser turns the named parameters into positions once; the statement is then prepared
 * once on the handle's connection and run for every batch as a plain prepared statement, since
 * JDBI's per-execution machinery cost more than the statement itself on a small batch.
 */
public final class SqlFile implements AutoCloseable {

    private final String name;
    private final List<String> parameters;
    private final PreparedStatement statement;

    private SqlFile(String name, List<String> parameters, PreparedStatement statement) {
        this.name = name;
        this.parameters = parameters;
        this.statement = statement;
    }

    public static SqlFile prepare(String name, Handle handle) {
        return prepareText(name, ProjectFiles.read("sql/" + name), handle);
    }

    /** A statement rendered by the loader (the fold's template) rather than read from the classpath. */
    public static SqlFile prepareText(String name, String sql, Handle handle) {
        String resource = "sql/" + name;
        try {
            ParsedSql parsed = handle.getConfig(SqlStatements.class).getSqlParser()
                    .parse(sql, handle.createUpdate(sql).getContext());
            return new SqlFile(name, List.copyOf(parsed.getParameters().getParameterNames()),
                    handle.getConnection().prepareStatement(parsed.getSql()));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare " + resource + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    /**
     * Runs the statement, binding from {@code values} the parameters the file names: a file
     * that needs a value not offered fails, and nothing is bound that the file does not use.
     */
    public int execute(Map<String, ?> values) {
        try {
            bind(values);
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException("sql/" + name + ": " + e.getMessage(), e, null);
        }
    }

    /** Runs a query whose one column is an integer, and returns its values in order. */
    public List<Long> queryLongs(Map<String, ?> values) {
        try {
            bind(values);
            List<Long> result = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    result.add(rows.getLong(1));
                }
            }
            return result;
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException("sql/" + name + ": " + e.getMessage(), e, null);
        }
    }

    private void bind(Map<String, ?> values) throws SQLException {
        for (int i = 0; i < parameters.size(); i++) {
            String parameter = parameters.get(i);
            if (!values.containsKey(parameter)) {
                throw new IllegalStateException(name + " needs :" + parameter + ", which the loader does not supply");
            }
            statement.setObject(i + 1, values.get(parameter));
        }
    }

    @Override
    public void close() {
        try {
            statement.close();
        } catch (SQLException ignored) {
            // closing the connection finalizes it anyway
        }
    }
}
