package io.walmetrics.testing;

import static io.walmetrics.testing.Change.json;

/**
 * Inserts of realistic rows for each published WAL table, joined by the ids given, so a scenario
 * states only its keys and the values it is about.
 */
public final class Rows {

    public static final String EVENT = "event_v2_data";
    public static final String TRANSACTION = "transaction";
    public static final String REQUEST = "transaction_request";
    public static final String TOKEN = "payment_instrument_token_data";

    private Rows() {
    }

    public static Change event(String id, String transactionId, String flowId) {
        return Change.insert(EVENT)
                .set("event_id", id)
                .set("event_sort_id", 18952243L)
                .set("date", "2021-06-03 07:47:49.985438")
                .set("event_type", "TRANSACTION_LIFECYCLE_EVENT")
                .set("flow_id", flowId)
                .set("transaction_id", transactionId)
                .set("transaction_lifecycle_event", "AUTHORIZATION_FAILED")
                .set("created_at", "2021-06-03 07:47:50.003493")
                .set("error_details", json("{\"source\": \"ADYEN\", \"decline_type\": \"SOFT\", \"decline_reason\": \"DO_NOT_HONOR\"}"));
    }

    public static Change transaction(String id) {
        return Change.insert(TRANSACTION)
                .set("transaction_id", id)
                .set("transaction_type", "SALE")
                .set("date", "2021-06-03 07:47:50.013974")
                .set("processor_merchant_account_id", "776249f3-a050-579b-b525-55f232140c4b")
                .set("amount", 58179)
                .set("currency_code", "GBP")
                .set("status", "PENDING")
                .set("created_at", "2021-06-03 07:47:50.013974");
    }

    public static Change request(String id, String flowId, String tokenId) {
        return request(id, flowId, tokenId, "2021-06-03 07:47:50.013974");
    }

    public static Change request(String id, String flowId, String tokenId, String createdAt) {
        return Change.insert(REQUEST)
                .set("transaction_request_id", id)
                .set("transaction_request_type", "AUTHORIZATION_REQUEST")
                .set("created_at", createdAt)
                .set("amount", 58179)
                .set("currency_code", "GBP")
                .set("submit_for_settlement", false)
                .set("flow_id", flowId)
                .set("vault_options", json("{\"payment_method\": \"NEVER\"}"))
                .set("token_id", tokenId);
    }

    public static Change token(String id) {
        return Change.insert(TOKEN)
                .set("token_id", id)
                .set("token_type", "SINGLE_USE")
                .set("payment_instrument_type", "PAYMENT_CARD")
                .set("vault_data", json("{\"customer_id\": \"cust-1\"}"))
                .set("three_d_secure_authentication", json("{\"response_code\": \"AUTH_SUCCESS\"}"));
    }
}
