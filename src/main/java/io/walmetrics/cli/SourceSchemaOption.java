package io.walmetrics.cli;

import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --schema} of the commands that load files (load, watch): whose tables are the sources. */
final class SourceSchemaOption {

    @Option(names = "--schema", paramLabel = "NAME",
            description = "The PostgreSQL schema whose tables are the sources: a change of a table of the same name in"
                    + " another schema is ignored (default: the schema the database was followed with, else public).")
    String schema;

    /** The schema named, checked; null when none was named (the database's own applies). */
    String checked(CommandLine commandLine) {
        if (schema != null) {
            requireSchemaName(commandLine, schema);
        }
        return schema;
    }

    /** A name as pg_namespace holds it, unquoted; follow also quotes it into SQL, so no {@code '}. A usage error otherwise. */
    static void requireSchemaName(CommandLine commandLine, String schema) {
        if (schema.isEmpty() || schema.getBytes(StandardCharsets.UTF_8).length > 63
                || schema.indexOf('\'') >= 0 || schema.indexOf('\0') >= 0) {
            throw new CommandLine.ParameterException(commandLine,
                    "--schema must be a PostgreSQL schema name: 1 to 63 bytes, without ' (as in pg_namespace, unquoted)");
        }
    }
}
