package io.walmetrics.follow;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Which source a database follows: the PostgreSQL cluster (its system identifier, which every
 * initdb draws anew and restarts and minor upgrades keep), the database, the slot and the schema
 * whose tables are the sources. LSNs mean something only within one cluster, and a slot's stream
 * only within its database and slot: a database that mixed two would compare positions of one
 * with positions of the other.
 */
public record SourceIdentity(String systemIdentifier, String database, String slot, String schema) {

    /** Asks the server on a replication connection (IDENTIFY_SYSTEM needs REPLICATION, nothing else). */
    static SourceIdentity ask(PgSource source, String slot, String schema) throws SQLException {
        try (Connection replication = source.connectForReplication(); Statement command = replication.createStatement();
             ResultSet row = command.executeQuery("IDENTIFY_SYSTEM")) {
            row.next();
            return new SourceIdentity(row.getString("systemid"), row.getString("dbname"), slot, schema);
        }
    }

    /** For messages and status: system …, database …, slot …, schema …. */
    public String describe() {
        return "system " + systemIdentifier + ", database " + database + ", slot " + slot + ", schema " + schema;
    }
}
