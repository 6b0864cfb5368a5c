package io.walmetrics.cli;

import io.walmetrics.load.NotApplied;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Turns an error into the one line a user reads; the stack trace only with --verbose. */
final class Failures {

    private Failures() {
    }

    static int report(Throwable error, Path db, boolean verbose, PrintWriter err) {
        err.println(describe(error, db));
        if (verbose) {
            error.printStackTrace(err);
        }
        err.flush();
        return ExitCode.FAILED;
    }

    /**
     * As {@link #report(Throwable, Path, boolean, PrintWriter)} for a load that failed: a database
     * error also says which batches were not applied and that a rerun applies them.
     */
    static int report(Throwable error, NotApplied notApplied, Path db, boolean verbose, PrintWriter err) {
        SQLException sql = rootSqlException(error);
        if (sql == null || notApplied == null) {
            return report(error, db, verbose, err);
        }
        boolean full = sql instanceof SQLiteException sqlite && sqlite.getResultCode() == SQLiteErrorCode.SQLITE_FULL;
        err.println(describe(error, db) + "; " + notApplied.describe() + "; nothing is lost, rerun"
                + (full ? " when there is room" : " to apply them"));
        if (verbose) {
            error.printStackTrace(err);
        }
        err.flush();
        return ExitCode.FAILED;
    }

    static String describe(Throwable error, Path db) {
        if (error instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file";
        }
        if (error instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        SQLException sql = rootSqlException(error);
        if (sql != null) {
            return (db != null ? db + ": " : "") + describe(sql);
        }
        String message = error.getMessage();
        return message != null ? message : error.getClass().getSimpleName();
    }

    private static String describe(SQLException sql) {
        if (sql instanceof SQLiteException sqlite) {
            SQLiteErrorCode code = sqlite.getResultCode();
            if (code == SQLiteErrorCode.SQLITE_BUSY || code == SQLiteErrorCode.SQLITE_LOCKED) {
                return "the database stayed locked by another loader for longer than the busy timeout";
            }
            if (code.name().startsWith("SQLITE_BUSY") || code.name().startsWith("SQLITE_LOCKED")) {
                return "another process wrote to the database at the same moment; nothing of the batch in hand was"
                        + " applied, run the same command again";
            }
            if (code == SQLiteErrorCode.SQLITE_FULL) {
                return "the disk is full";
            }
            if (code.name().startsWith("SQLITE_IOERR")) {
                return "the disk could not be written or read (" + code.name() + ")";
            }
            if (code == SQLiteErrorCode.SQLITE_CANTOPEN) {
                return "cannot open the database (does its folder exist, and may we write there?)";
            }
            if (code == SQLiteErrorCode.SQLITE_READONLY || code == SQLiteErrorCode.SQLITE_READONLY_DIRECTORY) {
                return "the database is read-only here";
            }
            if (code == SQLiteErrorCode.SQLITE_NOTADB) {
                return "not a SQLite database";
            }
        }
        return "database error: " + sql.getMessage();
    }

    private static SQLException rootSqlException(Throwable error) {
        SQLException found = null;
        for (Throwable cause = error; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                found = sql;
            }
        }
        return found;
    }
}
