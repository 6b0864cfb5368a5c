package io.walmetrics.cli;

import io.walmetrics.load.NotApplied;
import io.walmetrics.schema.LockWait;
import io.walmetrics.schema.OtherSourceSchemaException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Turns an error into the one line a user reads; the stack trace only with --verbose. */
final class Failures {

    private Failures() {
    }

    static int report(Throwable error, Path db, boolean verbose, PrintWriter err) {
        return report(error, db, LockWait.DEFAULT_TIMEOUT, verbose, err);
    }

    static int report(Throwable error, Path db, Duration lockTimeout, boolean verbose, PrintWriter err) {
        err.println(describe(error, db, lockTimeout));
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
    static int report(Throwable error, NotApplied notApplied, Path db, Duration lockTimeout, boolean verbose,
                      PrintWriter err) {
        SQLException sql = rootSqlException(error);
        boolean locked = sql instanceof SQLiteException sqlite
                && (sqlite.getResultCode().name().startsWith("SQLITE_BUSY") || sqlite.getResultCode().name().startsWith("SQLITE_LOCKED"));
        if (sql == null || notApplied == null || locked) {
            // a lock's message already says the batch in hand applied nothing and to run again
            return report(error, db, lockTimeout, verbose, err);
        }
        boolean full = sql instanceof SQLiteException sqlite && sqlite.getResultCode() == SQLiteErrorCode.SQLITE_FULL;
        err.println(describe(error, db, lockTimeout) + "; " + notApplied.describe() + "; nothing is lost, rerun"
                + (full ? " when there is room" : " to apply them"));
        if (verbose) {
            error.printStackTrace(err);
        }
        err.flush();
        return ExitCode.FAILED;
    }

    static String describe(Throwable error, Path db) {
        return describe(error, db, LockWait.DEFAULT_TIMEOUT);
    }

    /** @param lockTimeout how long the command waited for another connection's lock before SQLite said busy */
    static String describe(Throwable error, Path db, Duration lockTimeout) {
        if (error instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file";
        }
        if (error instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        if (error instanceof OtherSourceSchemaException otherSchema && db != null) {
            return db + ": " + otherSchema.getMessage();
        }
        SQLException sql = rootSqlException(error);
        if (sql != null) {
            return (db != null ? db + ": " : "") + describe(sql, lockTimeout);
        }
        String message = error.getMessage();
        return message != null ? message : error.getClass().getSimpleName();
    }

    private static String describe(SQLException sql, Duration lockTimeout) {
        if (sql instanceof SQLiteException sqlite) {
            SQLiteErrorCode code = sqlite.getResultCode();
            if (code == SQLiteErrorCode.SQLITE_BUSY || code == SQLiteErrorCode.SQLITE_LOCKED) {
                return "the database's write lock stayed held by another connection for " + seconds(lockTimeout)
                        + " s (--lock-timeout); nothing of the batch in hand was applied, run the same command again";
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

    /** 60, 2.5: a duration as seconds, without a fraction when it has none. */
    static String seconds(Duration duration) {
        double seconds = duration.toMillis() / 1000.0;
        return seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
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
