package io.walmetrics.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The type names wal2json 2.5 on PostgreSQL 15 wrote for one row of a table in {@code public}
 * (columns uuid, an enum, an enum of a quoted name, numeric(10,2), varchar(20), timestamptz and an
 * enum array), decoded once with an empty search_path as {@code pg_recvlogical}'s session has it,
 * once with the default one as follow's session has it: the same types, so the same names here.
 */
class PgTypeNameTest {

    private static final List<String> EMPTY_SEARCH_PATH = List.of("uuid", "public.transaction_type", "public.\"Odd Type\"",
            "numeric(10,2)", "character varying(20)", "timestamp with time zone", "public.transaction_type[]");
    private static final List<String> DEFAULT_SEARCH_PATH = List.of("uuid", "transaction_type", "Odd Type",
            "numeric(10,2)", "character varying(20)", "timestamp with time zone", "transaction_type[]");

    @Test
    void a_type_qualified_by_the_changes_own_schema_is_the_unqualified_type() {
        assertEquals(DEFAULT_SEARCH_PATH, EMPTY_SEARCH_PATH.stream().map(type -> PgTypeName.unqualified(type, "public")).toList());
        assertEquals(DEFAULT_SEARCH_PATH, DEFAULT_SEARCH_PATH.stream().map(type -> PgTypeName.unqualified(type, "public")).toList());
    }

    @Test
    void a_type_of_another_schema_stays_as_written_and_a_quoted_schema_is_matched_quoted() {
        Map<String, String> seen = new LinkedHashMap<>();
        for (String type : List.of("shadow.transaction_type", "public_x.transaction_type", "\"public\".transaction_type",
                "\"Sales \"\"EU\"\"\".\"Odd Type\"[]", "public.", "public.\"unterminated")) {
            seen.put(type, PgTypeName.unqualified(type, type.startsWith("\"Sales") ? "Sales \"EU\"" : "public"));
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("shadow.transaction_type", "shadow.transaction_type");
        expected.put("public_x.transaction_type", "public_x.transaction_type");
        expected.put("\"public\".transaction_type", "transaction_type");
        expected.put("\"Sales \"\"EU\"\"\".\"Odd Type\"[]", "Odd Type[]");
        expected.put("public.", "public.");
        expected.put("public.\"unterminated", "public.\"unterminated");
        assertEquals(expected, seen);
        assertEquals("public.transaction_type", PgTypeName.unqualified("public.transaction_type", null), "no schema: as written");
    }
}
