package io.walmetrics.schema;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.util.HexFormat;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.command.core.helpers.ShowSummaryArgument;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.ui.LoggerUIService;
import org.jdbi.v3.core.Jdbi;

/** Brings a database to the schema of {@code migrations/} with Liquibase. */
public final class SchemaMigrator {

    public static final String CHANGELOG = "migrations/changelog.xml";

    /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
    private static final Logger LIQUIBASE_LOGGER = Logger.getLogger("liquibase");

    static {
        // A loader of payment data must not phone home.
        System.setProperty("liquibase.analytics.enabled", "false");
        System.setProperty("liquibase.showBanner", "false");
    }

    private SchemaMigrator() {
    }

    /**
     * Applies the migrations the database lacks; fails with the database's own error. A database
     * whose recorded fingerprint matches the jar's migration files is up to date, and Liquibase is
     * not started at all.
     */
    public static void migrate(Jdbi jdbi, boolean verbose) {
        String fingerprint = fingerprint();
        if (fingerprint.equals(recordedFingerprint(jdbi))) {
            return;
        }
        // One migration at a time, across processes: an OS lock on a file beside the database,
        // which the kernel releases when its holder dies, even by kill -9. (Liquibase's own lock is
        // a row in the database: a loader killed while migrating left it held for good.)
        try (FileChannel channel = FileChannel.open(lockFile(jdbi), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            if (fingerprint.equals(recordedFingerprint(jdbi))) {
                return; // another loader migrated while this one waited
            }
            releaseLiquibaseLock(jdbi);
            LIQUIBASE_LOGGER.setLevel(verbose ? Level.INFO : Level.WARNING);
            jdbi.useHandle(handle -> migrate(handle.getConnection()));
            jdbi.useHandle(handle -> handle.createUpdate("""
                            insert into schema_fingerprint (id, fingerprint) values (1, :fingerprint)
                            on conflict (id) do update set fingerprint = excluded.fingerprint, recorded_at = excluded.recorded_at""")
                    .bind("fingerprint", fingerprint)
                    .execute());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot bring the database schema up to date: " + e.getMessage(), e);
        }
    }

    /** {@code <database>.migration-lock}, beside the database file. */
    private static Path lockFile(Jdbi jdbi) {
        String file = jdbi.withHandle(handle -> handle.createQuery(
                "select file from pragma_database_list where name = 'main'").mapTo(String.class).one());
        return Path.of(file + ".migration-lock");
    }

    /**
     * Under our own lock no other loader is migrating, so a Liquibase lock still marked held was
     * left by a loader that died while migrating.
     */
    private static void releaseLiquibaseLock(Jdbi jdbi) {
        jdbi.useHandle(handle -> {
            boolean exists = handle.createQuery(
                            "select exists (select 1 from sqlite_schema where type = 'table' and name = 'DATABASECHANGELOGLOCK' collate nocase)")
                    .mapTo(Boolean.class).one();
            if (exists) {
                handle.execute("update databasechangeloglock set locked = 0, lockgranted = null, lockedby = null");
            }
        });
    }

    static String recordedFingerprint(Jdbi jdbi) {
        return jdbi.withHandle(handle -> {
            boolean recorded = handle.createQuery(
                            "select exists (select 1 from sqlite_schema where type = 'table' and name = 'schema_fingerprint')")
                    .mapTo(Boolean.class).one();
            return recorded
                    ? handle.createQuery("select fingerprint from schema_fingerprint where id = 1").mapTo(String.class).findOne().orElse(null)
                    : null;
        });
    }

    /** SHA-256 over the master changelog and every file it includes, as the jar holds them. */
    static String fingerprint() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            String changelog = ProjectFiles.read(CHANGELOG);
            digest.update(changelog.getBytes(StandardCharsets.UTF_8));
            Matcher include = Pattern.compile("<include file=\"([^\"]+)\"").matcher(changelog);
            while (include.find()) {
                digest.update(ProjectFiles.read(include.group(1)).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException everyJavaHasIt) {
            throw new IllegalStateException(everyJavaHasIt);
        }
    }

    private static void migrate(Connection connection) throws Exception {
        Map<String, Object> scope = Map.of(
                // Liquibase's console output would end up on stdout, which --json keeps for itself.
                Scope.Attr.ui.name(), new LoggerUIService(),
                Scope.Attr.resourceAccessor.name(), new ClassLoaderResourceAccessor(SchemaMigrator.class.getClassLoader()));
        Scope.child(scope, () -> {
            var database = DatabaseFactory.getInstance()
                    .findCorrectDatabaseImplementation(new JdbcConnection(connection));
            new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                    .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY, liquibase.UpdateSummaryEnum.OFF)
                    .execute();
        });
        // Liquibase leaves the connection in manual-commit mode; the loader runs its own transactions.
        connection.setAutoCommit(true);
    }
}
