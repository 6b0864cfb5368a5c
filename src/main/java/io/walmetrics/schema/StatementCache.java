package io.walmetrics.schema;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilder;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps each prepared statement of a handle for the next use of the same SQL. A loader runs the
 * same few statements for every batch, and preparing them is costly in SQLite: an insert into a
 * staging table compiles the fold triggers it fires. A statement in use is never handed out twice.
 */
final class StatementCache implements StatementBuilder {

    private final Map<String, PreparedStatement> idle = new HashMap<>();
    /** The SQL each statement handed out was prepared from: JDBI closes a statement with named
     * parameters under its original text, not the rewritten one it was prepared from. */
    private final Map<Statement, String> inUse = new java.util.IdentityHashMap<>();

    @Override
    public Statement create(Connection connection, StatementContext context) throws SQLException {
        return DefaultStatementBuilder.FACTORY.createStatementBuilder(connection).create(connection, context);
    }

    @Override
    public PreparedStatement create(Connection connection, String sql, StatementContext context) throws SQLException {
        if (context.isReturningGeneratedKeys()) {
            return DefaultStatementBuilder.FACTORY.createStatementBuilder(connection).create(connection, sql, context);
        }
        PreparedStatement statement = idle.remove(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
        }
        inUse.put(statement, sql);
        return statement;
    }

    @Override
    public CallableStatement createCall(Connection connection, String sql, StatementContext context) throws SQLException {
        return connection.prepareCall(sql);
    }

    @Override
    public void close(Connection connection, String sql, Statement statement) throws SQLException {
        String preparedFrom = inUse.remove(statement);
        if (preparedFrom != null && statement instanceof PreparedStatement prepared
                && !statement.isClosed() && !idle.containsKey(preparedFrom)) {
            prepared.clearParameters();
            prepared.clearBatch();
            idle.put(preparedFrom, prepared);
        } else {
            statement.close();
        }
    }

    @Override
    public void close(Connection connection) {
        inUse.clear();
        for (PreparedStatement statement : idle.values()) {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // the connection closes next, and with it whatever is left
            }
        }
        idle.clear();
    }
}
