package io.walmetrics.generate;

import io.walmetrics.generate.GeneratedChange.JsonText;
import io.walmetrics.schema.SourceCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Writes realistic synthetic WAL in the published schema: payment flows that each create a
 * token, a transaction request and a transaction, then lifecycle events, spread over a few
 * minutes and interleaved with other flows, cut into one-minute batches of 4 to 24 records.
 * Some flows arrive late (events before their transaction), update rows whose large jsonb
 * values wal2json leaves out (unchanged TOAST), change a primary key, or delete and re-insert.
 *
 * <p>Deterministic for a seed, and streaming: only the flows still in progress are in memory.
 */
public final class WalGenerator {

    public record Options(long seed, int flows, Naming naming, Shape shape) {
    }

    public record Summary(int batches, long records, long changes) {
    }

    private static final int MAX_RECORDS_A_BATCH = 24;
    private static final int MIN_RECORDS_A_BATCH = 4;
    private static final int LARGE_JSON_BYTES = 2_600;
    private static final LocalDateTime START = LocalDateTime.of(2021, 6, 3, 7, 0);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    private static final List<String> MERCHANT_ACCOUNTS = List.of(
            "776249f3-a050-579b-b525-55f232140c4b", "1e6cbd51-6e4c-5a3a-9ea1-5d1cb3a1f0a2",
            "8b0f4b5e-2d7c-5f4f-a8a6-3d2b7c9e1f00");
    private static final List<String> CURRENCIES = List.of("GBP", "GBP", "EUR", "USD");
    private static final List<String[]> DECLINES = List.of(
            new String[] {"SOFT_DECLINE", "INSUFFICIENT_FUNDS"},
            new String[] {"SOFT_DECLINE", "DO_NOT_HONOR"},
            new String[] {"HARD_DECLINE", "LOST_OR_STOLEN_CARD"},
            new String[] {"HARD_DECLINE", "EXPIRED_CARD"},
            new String[] {null, null});

    private final SplittableRandom random;
    private final Options options;
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(
            Comparator.comparingInt(Pending::minute).thenComparingLong(Pending::order));
    private long order;
    private long eventSortId = 18_952_243L;
    private int minute;

    private record Pending(int minute, long order, List<GeneratedChange> changes) {
    }

    private WalGenerator(Options options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    public static Summary write(Options options, OutputStream out) throws IOException {
        return new WalGenerator(options).run(out);
    }

    private Summary run(OutputStream out) throws IOException {
        int flowsStarted = 0;
        int batches = 0;
        long records = 0;
        long changes = 0;
        try (WalWriter writer = new WalWriter(out, SourceCatalog.published(), options.naming(), options.shape())) {
            while (flowsStarted < options.flows() || !pending.isEmpty()) {
                for (int starts = random.nextInt(1, 4); starts > 0 && flowsStarted < options.flows(); starts--) {
                    startFlow();
                    flowsStarted++;
                }
                List<List<GeneratedChange>> batch = new ArrayList<>();
                while (batch.size() < MAX_RECORDS_A_BATCH) {
                    if (!pending.isEmpty() && pending.peek().minute() <= minute) {
                        batch.add(pending.poll().changes());
                    } else if (batch.size() < MIN_RECORDS_A_BATCH && flowsStarted < options.flows()) {
                        startFlow();
                        flowsStarted++;
                    } else if (batch.size() < MIN_RECORDS_A_BATCH && !pending.isEmpty()) {
                        // the last flows are winding down: take their next records a little early
                        batch.add(pending.poll().changes());
                    } else {
                        break;
                    }
                }
                if (!batch.isEmpty()) {
                    writer.startBatch();
                    for (List<GeneratedChange> record : batch) {
                        writer.record(record);
                        changes += record.size();
                    }
                    records += batch.size();
                    batches++;
                }
                minute++;
            }
        }
        return new Summary(batches, records, changes);
    }

    // ---- one payment flow

    private void startFlow() {
        int at = minute;
        String flowId = uuid();
        String tokenId = tokenId();
        String transactionId = uuid();
        String requestId = uuid();
        String paymentId = uuid();
        int amount = random.nextInt(100, 250_000);
        String currency = pick(CURRENCIES);
        String merchantAccount = pick(MERCHANT_ACCOUNTS);

        Map<String, Object> token = token(tokenId, at);
        Map<String, Object> request = request(requestId, flowId, transactionId, tokenId, amount, currency,
                merchantAccount, timestamp(at, 1), "NEVER");
        Map<String, Object> transaction = transaction(transactionId, tokenId, paymentId, amount, currency,
                merchantAccount, at);
        Map<String, Object> submitted = event(uuid(), flowId, transactionId, requestId, paymentId,
                "AUTHORIZATION_SUBMITTED", null, at);

        schedule(at, insert("payment_instrument_token", token));
        boolean lateTransaction = chance(0.10);
        if (lateTransaction) {
            // the events of this flow reach the loader before their transaction does
            schedule(at, insert("transaction_request", request));
            schedule(at + random.nextInt(1, 3), insert("transaction", transaction));
        } else {
            schedule(at, insert("transaction_request", request), insert("transaction", transaction));
        }
        schedule(at, insert("event", submitted));

        boolean declined = chance(0.35);
        Map<String, Object> settledTransaction = new HashMap<>(transaction);
        settledTransaction.put("status", declined ? "DECLINED" : "AUTHORIZED");
        settledTransaction.put("updated_at", timestamp(at + 1, 2));
        schedule(at + 1, update("transaction", settledTransaction, omittedLarge(transaction), null));

        String[] decline = declined ? DECLINES.get(random.nextInt(DECLINES.size())) : null;
        Map<String, Object> outcome = event(uuid(), flowId, transactionId, requestId, paymentId,
                declined ? "AUTHORIZATION_FAILED" : "AUTHORIZED", decline, at + 1);
        schedule(at + 1, insert("event", outcome));

        if (chance(0.15)) {
            Map<String, Object> vaulted = new HashMap<>(token);
            vaulted.put("vault_data", json("{\"customer_id\": \"cust-" + random.nextInt(1, 5000) + "\", \"vaulted\": true}"));
            schedule(at + 1, update("payment_instrument_token", vaulted, omittedLarge(token), null));
            token = vaulted;
        }
        if (chance(0.10)) {
            Map<String, Object> annotated = new HashMap<>(submitted);
            annotated.put("updates", json("{\"status\": {\"old\": \"PENDING\", \"new\": \"SUBMITTED\"}}"));
            schedule(at + 2, update("event", annotated, omittedLarge(submitted), null));
        }
        if (chance(0.05)) {
            // a later request in the same flow: the metric follows the latest one
            schedule(at + 2, insert("transaction_request", request(uuid(), flowId, transactionId, tokenId, amount,
                    currency, merchantAccount, timestamp(at + 2, 3), "ON_SUCCESS")));
        }
        if (chance(0.04)) {
            Map<String, Object> resubmitted = new HashMap<>(request);
            resubmitted.put("vault_options", json("{\"payment_method\": \"ON_SUCCESS\"}"));
            schedule(at + 2, update("transaction_request", resubmitted, Set.of(), null));
        }
        if (chance(0.02)) {
            Map<String, Object> renumbered = new HashMap<>(submitted);
            renumbered.put("id", uuid());
            schedule(at + 2, update("event", renumbered, omittedLarge(submitted), (String) submitted.get("id")));
        } else if (chance(0.03)) {
            schedule(at + 2, delete("event", outcome, chance(0.5)));
        }
        if (chance(0.01)) {
            Map<String, Object> renumbered = new HashMap<>(request);
            renumbered.put("transaction_request_id", uuid());
            schedule(at + 3, update("transaction_request", renumbered, Set.of(), requestId));
        } else if (chance(0.02)) {
            schedule(at + 3, delete("transaction_request", request, false));
        }
        if (chance(0.02)) {
            schedule(at + 3, delete("payment_instrument_token", token, chance(0.5)));
            schedule(at + 4, insert("payment_instrument_token", token));
        }
        if (chance(0.01)) {
            schedule(at + 4, delete("transaction", settledTransaction, false));
        }
    }

    private void schedule(int at, GeneratedChange... changes) {
        pending.add(new Pending(at, order++, List.of(changes)));
    }

    private static GeneratedChange insert(String source, Map<String, Object> row) {
        return new GeneratedChange("insert", source, row, Set.of(), null, null);
    }

    private static GeneratedChange update(String source, Map<String, Object> row, Set<String> omitted, String oldKey) {
        return new GeneratedChange("update", source, row, omitted, oldKey, null);
    }

    private GeneratedChange delete(String source, Map<String, Object> row, boolean fullIdentity) {
        String key = (String) row.get(switch (source) {
            case "event" -> "id";
            case "transaction" -> "transaction_id";
            case "transaction_request" -> "transaction_request_id";
            default -> "token_id";
        });
        return new GeneratedChange("delete", source, Map.of(), Set.of(), key, fullIdentity ? row : null);
    }

    /** The jsonb columns of a row stored out of line: an update that does not change them omits them. */
    private static Set<String> omittedLarge(Map<String, Object> row) {
        Set<String> large = new java.util.HashSet<>();
        row.forEach((column, value) -> {
            if (value instanceof JsonText json && json.text().length() > 2_000) {
                large.add(column);
            }
        });
        return large;
    }

    // ---- rows

    private Map<String, Object> token(String tokenId, int at) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("token_id", tokenId);
        row.put("analytics_id", randomText(43) + "=");
        row.put("merchant_analytics_id", randomText(24));
        row.put("token_type", chance(0.8) ? "SINGLE_USE" : "MULTI_USE");
        row.put("payment_instrument_type", chance(0.85) ? "PAYMENT_CARD" : "PAYPAL_ORDER");
        row.put("payment_instrument_data", json("{\"network\": \"Visa\", \"last_4_digits\": \"" + random.nextInt(1000, 10000)
                + "\", \"cardholder_name\": \"MR FOO BAR\", \"expiration_year\": \"2030\", \"expiration_month\": \"03\""
                + (chance(0.15) ? ", \"bin_data\": \"" + randomText(LARGE_JSON_BYTES) + "\"" : "") + "}"));
        row.put("vault_data", chance(0.3) ? json("{\"customer_id\": \"cust-" + random.nextInt(1, 5000) + "\"}") : null);
        row.put("three_d_secure_authentication", chance(0.4)
                ? json("{\"response_code\": \"" + (chance(0.8) ? "AUTH_SUCCESS" : "AUTH_FAILED") + "\", \"protocol_version\": \"2.1.0\"}")
                : null);
        return row;
    }

    private Map<String, Object> request(String requestId, String flowId, String transactionId, String tokenId,
                                        int amount, String currency, String merchantAccount, String createdAt,
                                        String paymentMethod) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("transaction_request_id", requestId);
        row.put("transaction_request_type", "AUTHORIZATION_REQUEST");
        row.put("transaction_id", transactionId);
        row.put("processor_merchant_account_id", merchantAccount);
        row.put("user_id", uuid());
        row.put("created_at", createdAt);
        row.put("amount", amount);
        row.put("currency_code", currency);
        row.put("submit_for_settlement", chance(0.5));
        row.put("reference", randomText(8));
        row.put("customer_details", json("{\"customer_id\": \"" + random.nextInt(10_000_000, 99_999_999)
                + "\", \"email_address\": \"" + randomText(8) + "@primer.test\"}"));
        row.put("flow_id", flowId);
        row.put("vault_options", json("{\"payment_method\": \"" + paymentMethod + "\"}"));
        row.put("token_id", tokenId);
        row.put("payment_request_id", uuid());
        row.put("metadata", json("{\"productId\": \"" + random.nextInt(100_000, 999_999) + "." + random.nextInt(10_000_000, 99_999_999) + "\"}"));
        return row;
    }

    private Map<String, Object> transaction(String transactionId, String tokenId, String paymentId, int amount,
                                            String currency, String merchantAccount, int at) {
        Map<String, Object> row = new LinkedHashMap<>();
        String created = timestamp(at, 1);
        row.put("transaction_id", transactionId);
        row.put("transaction_type", "SALE");
        row.put("date", created);
        row.put("processor_merchant_account_id", merchantAccount);
        row.put("merchant_reference", randomText(8));
        row.put("amount", amount);
        row.put("currency_code", currency);
        row.put("direction", "DEBIT");
        row.put("status", "PENDING");
        row.put("risk_data", chance(0.2) ? json("{\"score\": " + random.nextInt(0, 100)
                + ", \"signals\": \"" + randomText(LARGE_JSON_BYTES) + "\"}") : null);
        row.put("created_at", created);
        row.put("updated_at", created);
        row.put("payment_id", paymentId);
        row.put("token_id", tokenId);
        return row;
    }

    private Map<String, Object> event(String id, String flowId, String transactionId, String requestId,
                                      String paymentId, String lifecycle, String[] decline, int at) {
        Map<String, Object> row = new LinkedHashMap<>();
        String created = timestamp(at, 2);
        row.put("id", id);
        row.put("event_sort_id", eventSortId++);
        row.put("date", created);
        row.put("event_type", "TRANSACTION_LIFECYCLE_EVENT");
        row.put("flow_id", flowId);
        row.put("transaction_id", transactionId);
        row.put("transaction_lifecycle_event", lifecycle);
        row.put("third_party_request", json("{\"date\": \"" + created.replace(' ', 'T') + "\", \"method\": \"POST\", "
                + "\"content\": \"{\\\"merchantAccount\\\": \\\"PrimerJbTestECOM\\\", \\\"reference\\\": \\\""
                + randomText(8) + "\\\"}\"}"));
        boolean large = chance(0.2);
        row.put("third_party_response", json("{\"date\": \"" + created.replace(' ', 'T') + "\", \"status\": "
                + (decline != null ? 402 : 200) + ", \"headers\": {\"Server\": \"Apache\", \"Content-Type\": \"application/json\"}, "
                + "\"content\": \"" + randomText(large ? LARGE_JSON_BYTES : 300) + "\", \"protocol\": \"HTTP\"}"));
        row.put("created_at", created);
        row.put("error_details", decline == null ? null : json("{\"source\": \"ADYEN\", \"message\": \"Refused\", "
                + "\"decline_type\": " + quoted(decline[0]) + ", \"decision_type\": \"DECLINED\", "
                + "\"decline_reason\": " + quoted(decline[1]) + "}"));
        row.put("transaction_request_id", requestId);
        row.put("payment_id", paymentId);
        return row;
    }

    // ---- values

    private boolean chance(double probability) {
        return random.nextDouble() < probability;
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private String uuid() {
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }

    private String tokenId() {
        return randomText(24) + "MTYyMjcwNj" + random.nextInt(10, 100);
    }

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private String randomText(int length) {
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(text);
    }

    private String timestamp(int atMinute, int secondsIntoFlow) {
        return START.plusMinutes(atMinute).plusSeconds(secondsIntoFlow)
                .plusNanos(random.nextLong(0, 1_000_000) * 1_000L).format(TIMESTAMP);
    }

    private static JsonText json(String text) {
        return new JsonText(text);
    }

    private static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }
}
