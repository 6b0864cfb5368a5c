package io.walmetrics.follow;

import java.sql.SQLException;
import java.util.Locale;

/**
 * Something about the PostgreSQL source that stops {@code follow}, said in one line that names the
 * fix. {@link #isTransient()} ones (the server restarting, the connection lost, the slot still held
 * by a session that is going away) are retried with backoff while following; the others end the
 * command with exit code 1.
 */
public final class SourceProblem extends RuntimeException {

    private final boolean transientProblem;

    public SourceProblem(String message, boolean transientProblem, Throwable cause) {
        super(message, cause);
        this.transientProblem = transientProblem;
    }

    public boolean isTransient() {
        return transientProblem;
    }

    /** What a PostgreSQL error means to a user of {@code follow}, and whether waiting may cure it. */
    static SourceProblem of(SQLException e, PgSource source, String slot) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String text = firstLine(e);
        String where = source.display();
        String lower = text.toLowerCase(Locale.ROOT);
        if (state.equals("28P01") || lower.contains("password authentication failed")) {
            return fatal(where + ": password authentication failed for user " + source.user()
                    + ": set PGPASSWORD (or --password-file) to that role's password", e);
        }
        if (lower.contains("no password was provided") || lower.contains("the server requested password-based authentication")) {
            return fatal(where + ": the server asks for a password for user " + source.user()
                    + ": set PGPASSWORD or give --password-file", e);
        }
        // 42501 as well (PostgreSQL 15.19, 16.10, 17.6, 18.6 and later), so before the other 42501 cases
        if (lower.contains("may not be used as an output plugin")) {
            return fatal(where + ": the server does not allow wal2json as an output plugin (" + text + "): add it to"
                    + " output_plugin_libraries in postgresql.conf and reload the server configuration", e);
        }
        if (lower.contains("must be superuser or replication role") || lower.contains("permission denied to start walsender")
                || (state.equals("42501") && lower.contains("replication"))) {
            return noReplicationRole(source, e);
        }
        if (state.equals("28000") && lower.contains("pg_hba.conf")) {
            return fatal(where + ": the server refuses " + source.user() + " by pg_hba.conf (" + text
                    + "): allow it for \"replication\" and for the database in pg_hba.conf, then reload", e);
        }
        if (state.equals("42501")) {
            return fatal(where + ": " + text + ": GRANT SELECT on the four source tables to " + source.user(), e);
        }
        if (state.equals("42704") && lower.contains("replication slot")) {
            return fatal(where + ": replication slot " + slot + " does not exist: create it with follow --create-slot"
                    + " (on a new database, so that the rows before it are copied first)", e);
        }
        if (lower.contains("wal_level")) {
            return fatal(where + ": the server does not write WAL for logical decoding (" + text
                    + "): set wal_level = logical in postgresql.conf and restart PostgreSQL", e);
        }
        // undefined_file naming the plugin: matched on the code and the name, which a translated message keeps
        if (state.equals("58P01") && lower.contains("wal2json")) {
            return fatal(where + ": the server has no output plugin wal2json (" + text + "): install it on the server"
                    + " (Debian: apt-get install postgresql-MAJOR-wal2json, MAJOR being the server's major version)", e);
        }
        if (state.equals("55006") || lower.contains("is active for pid")) {
            return new SourceProblem(where + ": replication slot " + slot + " is in use by another session (" + text
                    + "): stop the other reader of the slot", true, e);
        }
        if (state.equals("3D000")) {
            return fatal(where + ": " + text + ": check the database name in --source", e);
        }
        if (state.equals("53300")) {
            return new SourceProblem(where + ": " + text + ": raise max_wal_senders / max_replication_slots or"
                    + " max_connections", true, e);
        }
        // connection refused, reset, the server shutting down or starting up: waiting may cure these
        boolean connection = state.startsWith("08") || state.startsWith("57P") || state.isEmpty();
        return new SourceProblem(where + ": " + text, connection, e);
    }

    /** The role lacks the REPLICATION attribute (found by follow's own check, or said by the server). */
    static SourceProblem noReplicationRole(PgSource source, SQLException cause) {
        return new SourceProblem(source.display() + ": role " + source.user() + " may not read replication slots: run"
                + " ALTER ROLE " + source.user() + " REPLICATION as a superuser (see README, Following a PostgreSQL slot)",
                false, cause);
    }

    private static SourceProblem fatal(String message, SQLException cause) {
        return new SourceProblem(message, false, cause);
    }

    static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.lines().findFirst().orElse(message).replaceAll("^(ERROR|FATAL): ", "").replaceAll("\\.+$", "");
    }
}
