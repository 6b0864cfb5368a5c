package io.walmetrics.schema;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.NoTemplateEngine;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Opens a SQLite file with the settings every connection to it shares. Which files may be opened
 * for what is {@link LoaderDatabase}'s business; this class opens what it is given.
 */
public final class Database {

    /** How long a second loader waits for the first to finish its batch before giving up. */
    public static final int BUSY_TIMEOUT_MILLIS = (int) LockWait.DEFAULT_TIMEOUT.toMillis();

    private Database() {
    }

    public static Jdbi open(Path file) {
        return open(file, LockWait.SILENT);
    }

    /** Read and write, in WAL mode; a wait for another connection's lock follows {@code lockWait}. */
    public static Jdbi open(Path file, LockWait lockWait) {
        SQLiteConfig config = commonConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // WAL + NORMAL: a committed batch survives a crash of the process; a power cut may
        // lose the last batches committed, never corrupt the file (the ledger then reapplies them).
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        return jdbi(file, config, lockWait);
    }

    /**
     * Read-only (SQLite's {@code SQLITE_OPEN_READONLY}): no statement on it can change the file.
     * Temporary tables still work; they live in the connection's temp schema.
     */
    public static Jdbi openReadOnly(Path file, LockWait lockWait) {
        SQLiteConfig config = commonConfig();
        config.setReadOnly(true);
        return jdbi(file, config, lockWait);
    }

    /** Creates the file (or fills an empty one) as a database carrying the loader's mark and nothing else yet. */
    static void createMarked(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        try (Connection connection = config.createConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            statement.execute("pragma application_id = " + DatabaseFile.APPLICATION_ID);
        } catch (SQLException e) {
            throw new IllegalStateException(file + ": cannot create the database: " + e.getMessage(), e);
        }
    }

    private static SQLiteConfig commonConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        // 32 MB of page cache (the default is 2 MB): the uuid-keyed indexes of the current tables
        // are written at random places, and a backfill's fold ran a quarter faster with it
        config.setCacheSize(-32_768);
        return config;
    }

    private static Jdbi jdbi(Path file, SQLiteConfig config, LockWait lockWait) {
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file);
        Jdbi jdbi = Jdbi.create(() -> {
            Connection connection = dataSource.getConnection();
            LockWaitHandler.install(connection, lockWait);
            return connection;
        });
        // The SQL that runs is exactly the SQL in the files: no template rewriting of '<' or '>'.
        jdbi.setTemplateEngine(new NoTemplateEngine());
        jdbi.setStatementBuilderFactory(connection -> new StatementCache());
        jdbi.setSqlParser(new NamedParameterParser());
        // Read queries may be SQL-object interfaces (status); the statements a load runs for every batch stay on
        // prepared statements run through JDBC, which measured ~4 µs a statement against JDBI's ~15 µs (docs/decisions.md).
        jdbi.installPlugin(new SqlObjectPlugin());
        return jdbi;
    }
}
