package io.walmetrics.testing;

import static io.walmetrics.testing.SequentialModel.EVENT;
import static io.walmetrics.testing.SequentialModel.KEY_COLUMN;
import static io.walmetrics.testing.SequentialModel.REQUEST;
import static io.walmetrics.testing.SequentialModel.TOKEN;
import static io.walmetrics.testing.SequentialModel.TRANSACTION;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Generates a WAL stream from a seed: batches of records of changes to the four source tables
 * over small key spaces, so keys collide all the time, in every order wal2json can write them (docs/reference.md#folding): inserts,
 * re-inserts over a live key, updates with and without oldkeys, key-changing updates, updates
 * leaving out columns (join and jsonb columns included), updates of rows never seen, deletes with
 * key-only and full-identity oldkeys, rows arriving before or after their join partners, several
 * requests per flow with equal, differing and NULL created_at, jsonb with and without the nested
 * fields, large amounts, the odd truncate of a source table (at any point of a record, a batch or
 * a group of batches), and the odd empty record or change to a table the loader ignores.
 *
 * <p>The same seed always gives the same stream.
 */
public final class RandomWal {

    /** A table no metric reads: its changes are counted as ignored by the loader. */
    public static final String IGNORED_TABLE = "audit_log";

    /** Columns set by the generator (WAL names), per table; the rest of the schema stays NULL. */
    public static final Map<String, List<String>> TRACKED_COLUMNS = Map.of(
            EVENT, List.of("event_id", "event_type", "flow_id", "transaction_id", "updates",
                    "transaction_lifecycle_event", "created_at", "error_details"),
            TRANSACTION, List.of("transaction_id", "transaction_type", "processor_merchant_account_id", "amount",
                    "currency_code", "status", "risk_data"),
            REQUEST, List.of("transaction_request_id", "transaction_request_type", "created_at", "amount",
                    "flow_id", "vault_options", "token_id"),
            TOKEN, List.of("token_id", "token_type", "payment_instrument_type", "vault_data",
                    "three_d_secure_authentication"));

    /** Columns an ordinary update may leave out: jsonb (TOAST) and, for the test's sake, join columns. */
    private static final Map<String, List<String>> OMITTABLE_COLUMNS = Map.of(
            EVENT, List.of("flow_id", "transaction_id", "updates", "created_at", "error_details"),
            TRANSACTION, List.of("amount", "transaction_type", "risk_data"),
            REQUEST, List.of("created_at", "flow_id", "vault_options", "token_id"),
            TOKEN, List.of("payment_instrument_type", "vault_data", "three_d_secure_authentication"));

    private static final List<String> TABLES = List.of(EVENT, TRANSACTION, REQUEST, TOKEN);
    private static final int[] TABLE_WEIGHTS = {35, 20, 25, 20};
    /** One change in this many is a truncate: a stream of 200 batches has about a dozen. */
    private static final int TRUNCATE_ONE_IN = 250;

    // Few distinct timestamps, so requests of one flow often tie; text order is what counts.
    private static final String[] CREATED_AT = {
            "2021-06-03 07:47:50", "2021-06-03 07:47:50.013974", "2021-06-03 07:47:50.5",
            "2021-06-03 07:47:51.000001", "2021-06-04 00:00:00", null};
    private static final Long[] AMOUNTS = {
            0L, 1L, -250L, 58179L, 2_147_483_647L, 9_007_199_254_740_993L, 4_611_686_018_427_387_904L,
            Long.MAX_VALUE, null};
    private static final String[] DECLINE_REASONS = {
            "DO_NOT_HONOR", "INSUFFICIENT_FUNDS", "Refusé \"by issuer\" \\ 05"};
    private static final String[] CUSTOMER_IDS = {"cust-1", "cust-2", "Zoë \"O'Brien\""};

    private final Random random;
    /** The stream's own view of current rows, to aim updates and deletes at live keys. */
    private final SequentialModel shadow = new SequentialModel();
    private final Map<String, List<String>> keySpace = new LinkedHashMap<>();
    private final List<String> merchants;

    private RandomWal(long seed) {
        this.random = new Random(seed);
        keySpace.put(EVENT, uuids(15));
        keySpace.put(TRANSACTION, uuids(6));
        keySpace.put("flow", uuids(5));
        keySpace.put(REQUEST, uuids(8));
        keySpace.put(TOKEN, uuids(5).stream().map(uuid -> "tok_" + uuid.substring(0, 8)).toList());
        merchants = uuids(3);
    }

    /** A generated stream: batches of records of changes. */
    public record Stream(long seed, List<List<List<WalOp>>> batches) {

        public int changeCount() {
            return batches.stream().flatMap(List::stream).mapToInt(List::size).sum();
        }

        /** Batches [from, to) as one WAL file in the "array of batches" shape. */
        public WalFile walFile(int from, int to) {
            WalFile file = new WalFile();
            for (List<List<WalOp>> batch : batches.subList(from, to)) {
                file.batch();
                for (List<WalOp> record : batch) {
                    file.record(record.stream().map(WalOp::toChange).toArray(Change[]::new));
                }
            }
            return file;
        }
    }

    /** {@code batchCount} batches of 1 to 10 records, each of 1 to 4 changes (rarely none). */
    public static Stream generate(long seed, int batchCount) {
        RandomWal generator = new RandomWal(seed);
        List<List<List<WalOp>>> batches = new ArrayList<>();
        for (int b = 0; b < batchCount; b++) {
            List<List<WalOp>> batch = new ArrayList<>();
            int records = 1 + generator.random.nextInt(10);
            for (int r = 0; r < records; r++) {
                batch.add(generator.record());
            }
            batches.add(batch);
        }
        return new Stream(seed, batches);
    }

    private List<WalOp> record() {
        if (chance(2)) {
            return List.of(); // {"change":[]}: a DDL-only transaction
        }
        List<WalOp> record = new ArrayList<>();
        int changes = 1 + random.nextInt(4);
        for (int c = 0; c < changes; c++) {
            WalOp change;
            if (random.nextInt(TRUNCATE_ONE_IN) == 0) {
                // rare, so that metrics build up again in between: a source table, or now and then the ignored one
                change = WalOp.truncate(chance(15) ? IGNORED_TABLE : TABLES.get(weighted(TABLE_WEIGHTS)));
            } else {
                change = chance(2) ? WalOp.insert(IGNORED_TABLE, Map.of("id", "log-" + random.nextInt(100)))
                        : change(TABLES.get(weighted(TABLE_WEIGHTS)));
            }
            shadow.apply(change);
            record.add(change);
        }
        return record;
    }

    private WalOp change(String table) {
        int roll = random.nextInt(100);
        if (roll < 45) {
            return insert(table);
        }
        if (roll < 87) {
            return update(table);
        }
        return delete(table);
    }

    private WalOp insert(String table) {
        // mostly a key not live now; otherwise a re-insert over a live row (replacing it)
        String key = chance(75) ? deadKey(table) : anyKey(table);
        Map<String, Object> row = everyColumnNull(table);
        row.putAll(freshRow(table, key));
        if (chance(5)) {
            // an insert carrying fewer columns: those are NULL
            row.remove(pick(OMITTABLE_COLUMNS.get(table)));
        }
        return WalOp.insert(table, row);
    }

    private WalOp update(String table) {
        String keyColumn = KEY_COLUMN.get(table);
        String oldKey = chance(85) ? liveKey(table) : anyKey(table); // sometimes a row never seen
        Map<String, Object> current = shadow.row(table, oldKey).orElse(null);

        String newKey = oldKey;
        Map<String, Object> oldKeys = null;
        int shape = random.nextInt(100);
        if (shape < 45) {
            oldKeys = null; // the key does not change: no oldkeys under default identity
        } else if (shape < 60) {
            oldKeys = fullIdentity(table, oldKey, current); // REPLICA IDENTITY FULL, same key
        } else if (shape < 88) {
            newKey = anyKey(table);
            oldKeys = Map.of(keyColumn, oldKey); // key-changing update, old key in oldkeys
        } else {
            newKey = anyKey(table);
            oldKeys = fullIdentity(table, oldKey, current);
        }

        Map<String, Object> carried = new LinkedHashMap<>();
        if (chance(65)) {
            // an ordinary update: every column, most unchanged, the odd TOASTed one left out
            carried.putAll(everyColumnNull(table));
            Map<String, Object> fresh = freshRow(table, newKey);
            for (String column : TRACKED_COLUMNS.get(table)) {
                boolean keep = current != null && chance(50);
                carried.put(column, keep ? current.get(column) : fresh.get(column));
            }
            int leftOut = random.nextInt(3);
            for (int i = 0; i < leftOut; i++) {
                carried.remove(pick(OMITTABLE_COLUMNS.get(table)));
            }
        } else {
            // a sparse update: the key and a few columns, everything else left out
            Map<String, Object> fresh = freshRow(table, newKey);
            for (String column : TRACKED_COLUMNS.get(table)) {
                if (chance(35)) {
                    carried.put(column, fresh.get(column));
                }
            }
        }
        carried.put(keyColumn, newKey);
        return WalOp.update(table, carried, oldKeys);
    }

    private WalOp delete(String table) {
        String key = chance(85) ? liveKey(table) : anyKey(table);
        Map<String, Object> current = shadow.row(table, key).orElse(null);
        return WalOp.delete(table, chance(60) ? Map.of(KEY_COLUMN.get(table), key) : fullIdentity(table, key, current));
    }

    /** oldkeys under REPLICA IDENTITY FULL: every column's old value (random ones for a row never seen). */
    private Map<String, Object> fullIdentity(String table, String key, Map<String, Object> current) {
        Map<String, Object> old = new LinkedHashMap<>(current != null ? current : freshRow(table, key));
        old.put(KEY_COLUMN.get(table), key);
        return old;
    }

    /** Every column of the published schema, NULL: what wal2json writes for columns never set. */
    private static Map<String, Object> everyColumnNull(String table) {
        Map<String, Object> row = new LinkedHashMap<>();
        TestSchema.columns(table).keySet().forEach(column -> row.put(column, null));
        return row;
    }

    /** Random values for the tracked columns of a row under the key. */
    private Map<String, Object> freshRow(String table, String key) {
        Map<String, Object> row = new LinkedHashMap<>();
        switch (table) {
            case EVENT -> {
                row.put("event_id", key);
                row.put("event_type", pick("TRANSACTION_LIFECYCLE_EVENT", "NOTIFICATION"));
                row.put("flow_id", chance(6) ? null : pick(keySpace.get("flow")));
                row.put("transaction_id", chance(6) ? null : pick(keySpace.get(TRANSACTION)));
                row.put("updates", chance(30) ? null : JsonDoc.notAnObject(bigUpdates()));
                row.put("transaction_lifecycle_event", pick("AUTHORIZATION_REQUESTED", "AUTHORIZATION_SUCCEEDED",
                        "AUTHORIZATION_FAILED", "CAPTURE_SUCCEEDED", null));
                row.put("created_at", pick(CREATED_AT));
                row.put("error_details", jsonb("source", pick("ADYEN", "STRIPE"),
                        "decline_reason", DECLINE_REASONS, "decline_type", new String[]{"SOFT", "HARD"}));
            }
            case TRANSACTION -> {
                row.put("transaction_id", key);
                row.put("transaction_type", pick("SALE", "REFUND", "AUTHORIZATION", null));
                row.put("processor_merchant_account_id", chance(10) ? null : pick(merchants));
                row.put("amount", pick(AMOUNTS));
                row.put("currency_code", pick("GBP", "EUR", "USD", null));
                row.put("status", pick("PENDING", "SETTLED", "FAILED"));
                row.put("risk_data", chance(40) ? null : JsonDoc.object(Map.of("score", (long) random.nextInt(100)), true));
            }
            case REQUEST -> {
                row.put("transaction_request_id", key);
                row.put("transaction_request_type", pick("AUTHORIZATION_REQUEST", "CAPTURE_REQUEST"));
                row.put("created_at", pick(CREATED_AT));
                row.put("amount", pick(AMOUNTS));
                row.put("flow_id", chance(5) ? null : pick(keySpace.get("flow")));
                row.put("vault_options", jsonb("merchant", "m-1",
                        "payment_method", new String[]{"NEVER", "ON_SUCCESS", "ALWAYS"}, null, null));
                row.put("token_id", chance(8) ? null : pick(keySpace.get(TOKEN)));
            }
            case TOKEN -> {
                row.put("token_id", key);
                row.put("token_type", pick("SINGLE_USE", "MULTI_USE"));
                row.put("payment_instrument_type", pick("PAYMENT_CARD", "PAYPAL", "APPLE_PAY", null));
                row.put("vault_data", jsonb("network", "VISA", "customer_id", CUSTOMER_IDS, null, null));
                row.put("three_d_secure_authentication", threeDs());
            }
            default -> throw new IllegalArgumentException(table);
        }
        return row;
    }

    /**
     * A jsonb value with a fixed field and one or two fields the metric reads, each a string,
     * an integer, a JSON null or missing; sometimes SQL NULL or JSON that is not an object.
     */
    private JsonDoc jsonb(String fixedField, String fixedValue, String field, String[] values,
                          String otherField, String[] otherValues) {
        int shape = random.nextInt(100);
        if (shape < 8) {
            return null;
        }
        if (shape < 12) {
            return JsonDoc.notAnObject("null");
        }
        if (shape < 14) {
            return JsonDoc.notAnObject(pick("[]", "\"text\"", "[{\"" + field + "\": \"X\"}]"));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        if (chance(50)) {
            fields.put(fixedField, fixedValue);
        }
        putNestedField(fields, field, values);
        if (otherField != null) {
            putNestedField(fields, otherField, otherValues);
        }
        if (chance(20)) {
            fields.put("nested", new JsonDoc.Raw("{\"" + field + "\": \"not this one\"}"));
        }
        return JsonDoc.object(shuffled(fields), chance(70));
    }

    private void putNestedField(Map<String, Object> fields, String name, String[] values) {
        int roll = random.nextInt(100);
        if (roll < 20) {
            return; // the field is missing
        }
        if (roll < 32) {
            fields.put(name, JsonDoc.JSON_NULL);
        } else if (roll < 40) {
            fields.put(name, (long) random.nextInt(1000) - 10);
        } else {
            fields.put(name, pick(values));
        }
    }

    private JsonDoc threeDs() {
        int shape = random.nextInt(100);
        if (shape < 15) {
            return null;
        }
        if (shape < 20) {
            return JsonDoc.notAnObject("null");
        }
        if (shape < 25) {
            return JsonDoc.object(Map.of(), false);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("response_code", pick("AUTH_SUCCESS", "AUTH_FAILED", "SKIPPED"));
        fields.put("protocol_version", pick("2.1.0", "2.2.0"));
        if (chance(30)) {
            fields.put("challenge_issued", new JsonDoc.Raw(pick("true", "false")));
        }
        return JsonDoc.object(fields, chance(70));
    }

    /** A large jsonb array, the kind PostgreSQL TOASTs and wal2json leaves out of an unchanged update. */
    private String bigUpdates() {
        StringBuilder out = new StringBuilder("[");
        int entries = 1 + random.nextInt(4);
        for (int i = 0; i < entries; i++) {
            out.append(i == 0 ? "" : ", ").append("{\"status\": \"").append(pick("PENDING", "DONE"))
                    .append("\", \"at\": ").append(random.nextInt(1_000_000)).append('}');
        }
        return out.append(']').toString();
    }

    private Map<String, Object> shuffled(Map<String, Object> fields) {
        List<String> names = new ArrayList<>(fields.keySet());
        java.util.Collections.shuffle(names, random);
        Map<String, Object> out = new LinkedHashMap<>();
        names.forEach(name -> out.put(name, fields.get(name)));
        return out;
    }

    private String liveKey(String table) {
        List<String> live = new ArrayList<>(shadow.rows(table).keySet());
        live.sort(null); // HashMap order is not part of the seed
        return live.isEmpty() ? anyKey(table) : pick(live);
    }

    private String deadKey(String table) {
        List<String> dead = keySpace.get(table).stream().filter(key -> shadow.row(table, key).isEmpty()).toList();
        return dead.isEmpty() ? anyKey(table) : pick(dead);
    }

    private String anyKey(String table) {
        return pick(keySpace.get(table));
    }

    private List<String> uuids(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        return ids;
    }

    private boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    private int weighted(int[] weights) {
        int roll = random.nextInt(Arrays.stream(weights).sum());
        for (int i = 0; i < weights.length; i++) {
            roll -= weights[i];
            if (roll < 0) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    @SafeVarargs
    private <T> T pick(T... values) {
        return values[random.nextInt(values.length)];
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
