package io.walmetrics.schema;

import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.NoTemplateEngine;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens the loader's SQLite file with the settings every connection to it shares. */
public final class Database {

    /** How long a second loader waits for the first to finish its batch before giving up. */
    public static final int BUSY_TIMEOUT_MILLIS = 60_000;

    private Database() {
    }

    public static Jdbi open(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // WAL + NORMAL: a committed batch survives a crash of the process; a power cut may
        // lose the last batches committed, never corrupt the file (the ledger then reapplies them).
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        // 32 MB of page cache (the default is 2 MB): the uuid-keyed indexes of the current tables
        // are written at random places, and a backfill's fold ran a quarter faster with it
        config.setCacheSize(-32_768);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file);
        Jdbi jdbi = Jdbi.create(dataSource);
        // The SQL that runs is exactly the SQL in the files: no template rewriting of '<' or '>'.
        jdbi.setTemplateEngine(new NoTemplateEngine());
        jdbi.setStatementBuilderFactory(connection -> new StatementCache());
        return jdbi;
    }
}
