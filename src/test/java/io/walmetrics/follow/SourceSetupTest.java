package io.walmetrics.follow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The add-tables value follow gives wal2json: each source table of one schema, in wal2json's pattern syntax. */
class SourceSetupTest {

    @Test
    void add_tables_names_the_schema_tables_with_wal2json_escapes() throws Exception {
        PgSource source = PgSource.of("jdbc:postgresql://127.0.0.1:5433/shop", Map.of(), null);
        TreeMap<String, List<String>> names = new TreeMap<>(Map.of(
                "event", List.of("event", "event_v2_data"), "transaction", List.of("transaction")));
        assertEquals("public.event,public.event_v2_data,public.transaction",
                new SourceSetup(source, "public", names).addTables());
        // a backslash before each of \ , . * and white space: wal2json drops it and keeps the character
        assertEquals("Sales\\.EU\\ 1\\,\\*\\\\x.event,Sales\\.EU\\ 1\\,\\*\\\\x.event_v2_data,Sales\\.EU\\ 1\\,\\*\\\\x.transaction",
                new SourceSetup(source, "Sales.EU 1,*\\x", names).addTables());
    }
}
