package io.walmetrics.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every position PostgreSQL writes, {@code 0/0} to {@code FFFFFFFF/FFFFFFFF}, in order. */
class LsnTest {

    private static final List<String> IN_ORDER = List.of("0/0", "0/1", "0/16B3748", "0/FFFFFFFF", "1/0",
            "7FFFFFFF/FFFFFFFF", "80000000/0", "80000000/1", "FFFFFFFF/FFFFFFFE", "FFFFFFFF/FFFFFFFF");

    @Test
    void every_position_up_to_FFFFFFFF_FFFFFFFF_parses_and_prints_as_postgresql_writes_it() {
        List<String> printed = new ArrayList<>();
        for (String text : IN_ORDER) {
            printed.add(Lsn.parse(text).toString());
        }
        assertEquals(IN_ORDER, printed);
        assertEquals(-1L, Lsn.parse("FFFFFFFF/FFFFFFFF").value(), "the 64 bits, as Java's signed long holds them");
        assertEquals("0/16B3748", Lsn.parse("0/16b3748").toString(), "lowercase digits read too");
        assertEquals("0/A", Lsn.parse("00000000/0000000A").toString());
    }

    @Test
    void positions_compare_as_unsigned_numbers() {
        for (int i = 0; i < IN_ORDER.size(); i++) {
            for (int j = 0; j < IN_ORDER.size(); j++) {
                Lsn a = Lsn.parse(IN_ORDER.get(i));
                Lsn b = Lsn.parse(IN_ORDER.get(j));
                assertEquals(Integer.signum(Integer.compare(i, j)), Integer.signum(a.compareTo(b)), a + " against " + b);
                assertEquals(i > j, a.isAfter(b), a + " after " + b);
            }
        }
        assertTrue(Lsn.parse("0/0").isAfter(null));
    }

    @Test
    void text_that_is_not_an_lsn_is_refused() {
        for (String text : List.of("", "/", "0/", "/0", "0", "0/XYZ", "-1/0", "+1/0", "0/-1", "0/+1", "1/2/3",
                "100000000/0", "0/100000000", "0 /1", "0/1 ", "\u0661/0")) {
            assertNull(Lsn.parse(text), text);
        }
    }
}
