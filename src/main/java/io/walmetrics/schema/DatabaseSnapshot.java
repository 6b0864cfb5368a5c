package io.walmetrics.schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;

/**
 * A private copy of a database, consistent as of one moment, in the system's temporary folder:
 * for work that needs to write (replaying staged changes through the fold triggers) on a database
 * that must not change. Made with {@code vacuum into}, which reads the database in one read
 * transaction and works on a read-only connection. Closing deletes the copy.
 */
public final class DatabaseSnapshot implements AutoCloseable {

    private final Path dir;
    private final Path file;
    private final Jdbi jdbi;

    private DatabaseSnapshot(Path dir, Path file, Jdbi jdbi) {
        this.dir = dir;
        this.file = file;
        this.jdbi = jdbi;
    }

    /** Copies the database {@code readOnly} is connected to; the copy is writable and opened as the loader opens its own. */
    public static DatabaseSnapshot of(Jdbi readOnly) {
        try {
            Path dir = Files.createTempDirectory("wal-metrics-snapshot-");
            Path file = dir.resolve("snapshot.db");
            try {
                readOnly.useHandle(handle -> handle.createUpdate("vacuum into :file").bind("file", file.toString()).execute());
                return new DatabaseSnapshot(dir, file, Database.open(file));
            } catch (RuntimeException e) {
                deleteAll(dir);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary copy of the database: " + e.getMessage(), e);
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        deleteAll(dir);
    }

    private static void deleteAll(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path each : files.toList()) {
                Files.deleteIfExists(each);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temporary copy " + dir + ": " + e.getMessage(), e);
        }
    }
}
