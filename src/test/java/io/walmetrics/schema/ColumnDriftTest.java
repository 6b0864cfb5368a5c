package io.walmetrics.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The two wordings of drift: a load's summary lists the brief one, {@code schema FILE} the full one. */
class ColumnDriftTest {

    private final ColumnDrift retyped = new ColumnDrift("transaction", "amount", "bigint", "integer");
    private final ColumnDrift unknown = new ColumnDrift("event_v2_data", "risk_score", "text", null);

    @Test
    void briefly_names_the_column_and_how_its_type_differs() {
        assertEquals("transaction.amount: bigint, declared integer", retyped.brief());
        assertEquals("event_v2_data.risk_score: text, not in the migrations", unknown.brief());
    }

    @Test
    void in_full_says_what_becomes_of_the_values() {
        assertEquals("transaction.amount: bigint, declared integer (values that do not fit are rejected)", retyped.describe());
        assertEquals("event_v2_data.risk_score: text, not in the migrations (kept in extra_columns)", unknown.describe());
    }
}
