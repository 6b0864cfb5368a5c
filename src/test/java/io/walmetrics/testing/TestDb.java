package io.walmetrics.testing;

import io.walmetrics.load.LoadFailedException;
import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.load.Loader;
import io.walmetrics.load.WalInput;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/** A real SQLite file with the loader's schema, in a folder of the test's own. */
public final class TestDb {

    private final Path dir;
    private final Path file;
    private final Jdbi jdbi;
    private int walFiles;

    public TestDb(Path dir) {
        this.dir = dir;
        this.file = dir.resolve("metrics.db");
        // as load makes it: marked as the loader's, migrated
        this.jdbi = LoaderDatabase.openToWrite(file, false, LockWait.SILENT);
    }

    public Path file() {
        return file;
    }

    public Path dir() {
        return dir;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** Writes the batches to a new file of the test's folder and loads it. */
    public LoadReport load(WalFile wal) {
        return load(wal.writeTo(dir.resolve("wal-" + (++walFiles) + ".json")), new LoadOptions(null, false));
    }

    /**
     * Loads the batches one at a time, each folded and committed on its own as in every-minute
     * operation: each metric is stamped with the very batch that changed it, and the ledger's metric
     * counts are each batch's own.
     */
    public LoadReport loadBatchByBatch(WalFile wal) {
        return load(wal, new LoadOptions(null, false).withGroupBatches(1));
    }

    public LoadReport load(WalFile wal, LoadOptions options) {
        return load(wal.writeTo(dir.resolve("wal-" + (++walFiles) + ".json")), options);
    }

    public LoadReport load(Path walFile) {
        return load(walFile, new LoadOptions(null, false));
    }

    public LoadReport load(Path walFile, LoadOptions options) {
        try {
            return new Loader(jdbi).load(WalInput.of(walFile.toString()), options);
        } catch (IOException | LoadFailedException e) {
            throw new AssertionError("load failed: " + e.getMessage(), e);
        }
    }

    /** Rows of a query as ordered maps (column to value), for assertions that read well. */
    public List<Map<String, Object>> rows(String sql) {
        return jdbi.withHandle(handle -> handle.createQuery(sql)
                .map((rs, ctx) -> {
                    Map<String, Object> row = new TreeMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    return row;
                })
                .list());
    }

    public Map<String, Object> metric(String id) {
        List<Map<String, Object>> rows = rows("select * from metrics where id = '" + id.replace("'", "''") + "'");
        return rows.isEmpty() ? null : rows.get(0);
    }

    public long count(String table) {
        return jdbi.withHandle(handle -> handle.createQuery("select count(*) from " + table).mapTo(Long.class).one());
    }

    public static TestDb in(Path dir) {
        try {
            return new TestDb(Files.createDirectories(dir));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
