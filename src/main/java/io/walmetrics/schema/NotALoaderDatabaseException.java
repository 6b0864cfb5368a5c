package io.walmetrics.schema;

/** A SQLite file that this loader did not make: commands that only read or export refuse it rather than migrate it. */
public final class NotALoaderDatabaseException extends RuntimeException {

    public NotALoaderDatabaseException(String file) {
        super(file + ": not a database of this loader (it has no batch_ledger table)");
    }

    /** Throws unless the database has the loader's ledger. */
    public static void requireLoaderDatabase(org.jdbi.v3.core.Jdbi jdbi, String file) {
        boolean hasLedger = jdbi.withHandle(handle -> handle.createQuery(
                        "select exists (select 1 from sqlite_schema where type = 'table' and name = 'batch_ledger')")
                .mapTo(Boolean.class).one());
        if (!hasLedger) {
            throw new NotALoaderDatabaseException(file);
        }
    }
}
