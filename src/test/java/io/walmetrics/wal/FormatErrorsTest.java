package io.walmetrics.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Jackson's messages as the one plain reason of the project's error line. */
class FormatErrorsTest {

    @Test
    void any_end_of_input_is_a_truncated_value() {
        assertEquals("the input ends in the middle of a JSON value (truncated?)",
                FormatErrors.plainReason("Unexpected end-of-input: expected close marker for Array (start marker at [Source: x; line: 1, column: 1])\n at [Source: x; line: 1, column: 9]"));
    }

    @Test
    void a_duplicate_field_is_named_with_why_nothing_of_it_applies() {
        String expected = "the field \"kind\" appears twice in one object (PostgreSQL never writes that; neither copy is applied)";
        assertEquals(expected, FormatErrors.plainReason("Duplicate Object property \"kind\"\n at [Source: x; line: 1, column: 30]"));
        assertEquals(expected, FormatErrors.plainReason("Duplicate field 'kind'\n at [Source: x; line: 1, column: 30]"));
    }

    @Test
    void other_messages_lose_their_second_line_and_locations() {
        assertEquals("Unexpected character ('{' (code 123)): was expecting comma to separate Array entries",
                FormatErrors.plainReason("Unexpected character ('{' (code 123)): was expecting comma to separate Array entries\n"
                        + " at [Source: (ByteArrayInputStream); line: 3, column: 17]"));
        // the structure a close marker does not match keeps where it opened
        assertEquals("Unexpected close marker '}': expected ']' (for the array opened at line 1, column 2)",
                FormatErrors.plainReason("Unexpected close marker '}': expected ']' (for Array starting at [Source: x; line: 1, column: 2])"));
    }
}
