package io.walmetrics.schema;

import java.sql.Connection;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
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

    /** Applies the migrations the database lacks; fails with the database's own error. */
    public static void migrate(Jdbi jdbi, boolean verbose) {
        LIQUIBASE_LOGGER.setLevel(verbose ? Level.INFO : Level.WARNING);
        try {
            jdbi.useHandle(handle -> migrate(handle.getConnection()));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot bring the database schema up to date: " + e.getMessage(), e);
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
