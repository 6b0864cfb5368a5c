package io.walmetrics.load;

import java.sql.SQLException;
import java.sql.Statement;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The load's transaction control on its connection: a group of batches is one write transaction,
 * each batch a savepoint in it.
 *
 * <p>Not JDBI's {@code Handle.begin()}: through sqlite-jdbc that is a deferred {@code begin} (its
 * default transaction mode), which takes the write lock only at the first write, after the group has
 * read the ledger, so that two loaders could read the same ledger and one then fail.
 * {@code begin immediate} takes the lock before anything is read.
 */
final class WriteTransaction implements AutoCloseable {

    private static final String BATCH = "batch";

    private final Statement control;

    WriteTransaction(Handle handle) {
        try {
            this.control = handle.getConnection().createStatement();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Starts a group, taking the write lock (waiting for it as the connection's busy handler says). */
    void begin() {
        run("begin immediate");
    }

    /** Starts a batch inside the group. */
    void startBatch() {
        run("savepoint " + BATCH);
    }

    /** Keeps what the batch did. */
    void keepBatch() {
        run("release " + BATCH);
    }

    /** Undoes what the batch did, leaving the batches before it in the group as they were. */
    void undoBatch() {
        run("rollback to " + BATCH);
        run("release " + BATCH);
    }

    void commit() {
        run("commit");
    }

    void rollback() {
        run("rollback");
    }

    private void run(String sql) {
        try {
            control.execute(sql);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void close() {
        try {
            control.close();
        } catch (SQLException ignored) {
            // closing the connection finalizes it anyway
        }
    }

    private static UnableToExecuteStatementException failed(SQLException e) {
        return new UnableToExecuteStatementException(e.getMessage(), e, null);
    }
}
