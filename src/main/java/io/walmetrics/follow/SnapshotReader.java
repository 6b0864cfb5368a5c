package io.walmetrics.follow;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Reads the rows of the source tables as they stand in an exported snapshot (the one a new slot's
 * consistent point belongs to) and writes them as wal2json format-version 1 inserts, a list of
 * batches of {@link #BATCH_ROWS} rows: each value with the text and JSON kind wal2json gives its
 * type (integers and numeric unquoted in their exact output text, booleans true and false,
 * everything else, timestamps, jsonb, uuids, enums, as its PostgreSQL output text in a string), each
 * column with wal2json's type name ({@code format_type} with the typmod). The records carry no
 * nextlsn: a row of the snapshot has no position of its own, and any position given to it would
 * have to stay at or below the consistent point.
 */
final class SnapshotReader {

    static final int BATCH_ROWS = 5_000;
    private static final int FETCH_ROWS = 2_000;

    /** Types wal2json writes as JSON numbers (int2, int4, int8, oid, float4, float8, numeric). */
    private static final Set<Integer> NUMBER_TYPES = Set.of(21, 23, 20, 26, 700, 701, 1700);
    private static final int BOOL = 16;

    private record Column(String name, String type, int typeOid) {
    }

    private record Table(String schema, String name, String qualified, List<Column> columns) {
    }

    private final Connection connection;
    private final String schema;
    private long rows;

    /**
     * @param connection an ordinary connection with auto-commit off, in a REPEATABLE READ
     *                   transaction that imported the slot's snapshot
     * @param schema     the schema whose tables are the sources: tables of the same names elsewhere are not read
     */
    SnapshotReader(Connection connection, String schema) {
        this.connection = connection;
        this.schema = schema;
    }

    /** Rows written so far. */
    long rows() {
        return rows;
    }

    /** Writes every row of the tables of these names in the schema to {@code out}, as a list of batches. */
    void write(Collection<String> tableNames, OutputStream out) throws SQLException, IOException {
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            json.writeStartArray();
            for (Table table : tables(tableNames)) {
                writeTable(table, json);
            }
            json.writeEndArray();
        }
    }

    private void writeTable(Table table, JsonGenerator json) throws SQLException, IOException {
        StringBuilder select = new StringBuilder("select ");
        for (int i = 0; i < table.columns().size(); i++) {
            // the type's output function, as wal2json calls it (a cast to text may differ: char(n) loses its padding)
            String column = quote(table.columns().get(i).name());
            select.append(i == 0 ? "" : ", ").append("case when ").append(column).append(" is null then null else format('%s', ")
                    .append(column).append(") end");
        }
        select.append(" from only ").append(table.qualified());
        try (Statement statement = connection.createStatement()) {
            statement.setFetchSize(FETCH_ROWS);
            try (ResultSet result = statement.executeQuery(select.toString())) {
                int inBatch = 0;
                while (result.next()) {
                    if (inBatch == 0) {
                        json.writeStartArray(); // a batch
                        json.writeStartObject(); // its one record
                        json.writeArrayFieldStart("change");
                    }
                    writeInsert(table, result, json);
                    rows++;
                    if (++inBatch == BATCH_ROWS) {
                        endBatch(json);
                        inBatch = 0;
                    }
                }
                if (inBatch > 0) {
                    endBatch(json);
                }
            }
        }
    }

    private static void endBatch(JsonGenerator json) throws IOException {
        json.writeEndArray();
        json.writeEndObject();
        json.writeEndArray();
    }

    private static void writeInsert(Table table, ResultSet result, JsonGenerator json) throws SQLException, IOException {
        json.writeStartObject();
        json.writeStringField("kind", "insert");
        json.writeStringField("schema", table.schema());
        json.writeStringField("table", table.name());
        json.writeArrayFieldStart("columnnames");
        for (Column column : table.columns()) {
            json.writeString(column.name());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("columntypes");
        for (Column column : table.columns()) {
            json.writeString(column.type());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("columnvalues");
        for (int i = 0; i < table.columns().size(); i++) {
            writeValue(table.columns().get(i).typeOid(), result.getString(i + 1), json);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    /** The value as wal2json format-version 1 writes it for its type. */
    static void writeValue(int typeOid, String text, JsonGenerator json) throws IOException {
        if (text == null) {
            json.writeNull();
        } else if (NUMBER_TYPES.contains(typeOid) && !isSpecialNumber(text)) {
            json.writeRawValue(text);
        } else if (typeOid == BOOL) {
            json.writeBoolean(text.equals("t") || text.equals("true"));
        } else {
            json.writeString(text);
        }
    }

    /** NaN and the infinities are no JSON numbers: wal2json quotes them. */
    private static boolean isSpecialNumber(String text) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("nan") || lower.startsWith("infinity") || lower.startsWith("-infinity");
    }

    private List<Table> tables(Collection<String> names) throws SQLException {
        List<Table> tables = new ArrayList<>();
        try (PreparedStatement find = connection.prepareStatement("""
                select c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname)
                from pg_class as c
                join pg_namespace as n on n.oid = c.relnamespace
                where c.relname = any (?) and c.relkind in ('r', 'p') and n.nspname = ?
                order by c.relname""");
             PreparedStatement columns = connection.prepareStatement("""
                select attname, format_type(atttypid, atttypmod), atttypid::int
                from pg_attribute
                where attrelid = ? and attnum > 0 and not attisdropped
                order by attnum""")) {
            find.setArray(1, connection.createArrayOf("text", names.toArray()));
            find.setString(2, schema);
            try (ResultSet found = find.executeQuery()) {
                while (found.next()) {
                    List<Column> list = new ArrayList<>();
                    columns.setLong(1, found.getLong(1));
                    try (ResultSet column = columns.executeQuery()) {
                        while (column.next()) {
                            list.add(new Column(column.getString(1), column.getString(2), column.getInt(3)));
                        }
                    }
                    tables.add(new Table(found.getString(2), found.getString(3), found.getString(4), list));
                }
            }
        }
        return tables;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
