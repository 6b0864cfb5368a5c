package io.walmetrics.schema;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The only way a command opens {@code --db}: a file that is not the loader's is refused before
 * anything is written to it or created beside it; the loader's own database is opened to write
 * (and migrated) or opened read-only (and never migrated).
 */
public final class LoaderDatabase {

    private LoaderDatabase() {
    }

    /**
     * For the commands that write (load, watch, rebuild): creates the database when the file is
     * absent or empty, marks a database an earlier loader made, and brings the schema up to date.
     *
     * @throws NotALoaderDatabaseException for any other file, which is left as it was
     */
    public static Jdbi openToWrite(Path file, boolean verbose, LockWait lockWait) {
        DatabaseFile found = DatabaseFile.inspect(file);
        switch (found.kind()) {
            case FOREIGN -> throw new NotALoaderDatabaseException(found);
            case ABSENT, EMPTY -> Database.createMarked(file);
            case MARKED, OURS_UNMARKED -> { }
        }
        Jdbi jdbi = Database.open(file, lockWait);
        if (found.kind() == DatabaseFile.Kind.OURS_UNMARKED) {
            jdbi.useHandle(handle -> handle.execute("pragma application_id = " + DatabaseFile.APPLICATION_ID));
        }
        SchemaMigrator.migrate(jdbi, verbose);
        return jdbi;
    }

    /** {@link #openToWrite(Path, boolean, LockWait)} for a database that must exist already (rebuild). */
    public static Jdbi openExistingToWrite(Path file, boolean verbose, LockWait lockWait) throws NoSuchFileException {
        requireOurs(file);
        return openToWrite(file, verbose, lockWait);
    }

    /**
     * For the commands that only read (verify, report, status, export, schema): a read-only
     * connection to a database of this loader whose schema is this jar's.
     *
     * @throws NoSuchFileException         when there is no such file
     * @throws NotALoaderDatabaseException when the file is not the loader's
     * @throws OutOfDateDatabaseException  when its schema is older (or newer) than the jar's
     */
    public static Jdbi openToRead(Path file) throws NoSuchFileException {
        requireOurs(file);
        Jdbi jdbi = Database.openReadOnly(file, LockWait.SILENT);
        requireCurrentSchema(jdbi, file);
        return jdbi;
    }

    private static void requireOurs(Path file) throws NoSuchFileException {
        DatabaseFile found = DatabaseFile.inspect(file);
        switch (found.kind()) {
            case ABSENT -> throw new NoSuchFileException(file.toString());
            case EMPTY -> throw new OutOfDateDatabaseException(file + ": holds no wal-metrics-loader schema yet (" + found.found()
                    + "); run load to create it");
            case FOREIGN -> throw new NotALoaderDatabaseException(found);
            case MARKED, OURS_UNMARKED -> { }
        }
    }

    private static void requireCurrentSchema(Jdbi jdbi, Path file) {
        if (SchemaMigrator.fingerprint().equals(SchemaMigrator.recordedFingerprint(jdbi))) {
            return;
        }
        Set<String> applied = new HashSet<>(jdbi.withHandle(handle -> handle.createQuery("""
                        select exists (select 1 from sqlite_schema where type = 'table' and name = 'DATABASECHANGELOG' collate nocase)""")
                .mapTo(Boolean.class).one()
                ? handle.createQuery("select id from databasechangelog where author = :author")
                        .bind("author", MigrationContents.AUTHOR)
                        .mapTo(String.class).list()
                : List.of()));
        List<String> missing = new ArrayList<>();
        for (String id : MigrationContents.ofJar().changesetIds()) {
            if (!applied.remove(id)) {
                missing.add(id);
            }
        }
        if (missing.isEmpty() && !applied.isEmpty()) {
            throw new OutOfDateDatabaseException(file + ": made by a newer wal-metrics-loader (it has changesets this one lacks: "
                    + String.join(", ", applied.stream().sorted().limit(3).toList()) + (applied.size() > 3 ? ", …" : "")
                    + "); use that version");
        }
        String behind = missing.isEmpty() ? "its schema differs from this loader's migrations"
                : "its schema is behind this loader's (" + missing.size() + (missing.size() == 1 ? " changeset" : " changesets")
                + " to apply, from " + missing.get(0) + ")";
        throw new OutOfDateDatabaseException(file + ": " + behind + "; run load or rebuild to upgrade it");
    }
}
