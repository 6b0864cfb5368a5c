package io.walmetrics.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A column value read from a wal2json format-version 2 message (follow) is the value the same column
 * has in a format-version 1 record (a file): the same JSON kind and the same text as written, so a
 * transaction hashes the same by either route and lands the same values.
 */
class Wal2jsonV2ValuesTest {

    private static final ChangePosition AT = new ChangePosition(1, 1, 1);
    private static final Lsn LSN = Lsn.parse("0/16D3E20");
    /** A jsonb column as wal2json writes it: raw JSON, numbers as PostgreSQL writes them (a double would make 1.5 of 1.50). */
    private static final String DOCUMENT = "{\"scale\":1.50,\"list\":[12.3400,-7,100000000000000000000000000000.5],\"n\":null}";

    @Test
    void a_json_value_keeps_its_numbers_as_written_as_in_a_format_1_record() throws IOException {
        WalChange followed = Wal2jsonV2.parse("{\"action\":\"I\",\"schema\":\"public\",\"table\":\"transaction\","
                + "\"columns\":[{\"name\":\"transaction_id\",\"type\":\"uuid\",\"value\":\"t1\"},"
                + "{\"name\":\"amount\",\"type\":\"numeric\",\"value\":12.3400},"
                + "{\"name\":\"details\",\"type\":\"jsonb\",\"value\":" + DOCUMENT + "},"
                + "{\"name\":\"tags\",\"type\":\"jsonb\",\"value\":[1.0,2.50]}]}", AT, LSN).change();
        WalChange filed = ChangeParser.parse("{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
                + "\"columnnames\":[\"transaction_id\",\"amount\",\"details\",\"tags\"],"
                + "\"columntypes\":[\"uuid\",\"numeric\",\"jsonb\",\"jsonb\"],"
                + "\"columnvalues\":[\"t1\",12.3400," + DOCUMENT + ",[1.0,2.50]]}", AT, LSN);

        List<WalValue> expected = List.of(new WalValue(WalValue.Type.STRING, "t1"), new WalValue(WalValue.Type.DECIMAL, "12.3400"),
                new WalValue(WalValue.Type.OBJECT, DOCUMENT), new WalValue(WalValue.Type.ARRAY, "[1.0,2.50]"));
        assertEquals(expected, filed.columnValues());
        assertEquals(expected, followed.columnValues());
        assertEquals(new WalChange(AT, "insert", "public", "transaction", filed.columnNames(), filed.columnTypes(), expected,
                null, null, Map.of(), LSN), followed);
    }
}
