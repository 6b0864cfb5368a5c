package io.walmetrics.generate;

/** Which table names the generated WAL uses (docs/reference.md#source-tables). */
public enum Naming {
    /** event, payment_instrument_token; the event's key column is id. */
    SEED,
    /** event_v2_data, payment_instrument_token_data, as in the published challenge; the event's key is event_id. */
    PUBLISHED;

    String walTable(String source) {
        if (this == SEED) {
            return source;
        }
        return switch (source) {
            case "event" -> "event_v2_data";
            case "payment_instrument_token" -> "payment_instrument_token_data";
            default -> source;
        };
    }

    String walColumn(String source, String column) {
        return this == PUBLISHED && source.equals("event") && column.equals("id") ? "event_id" : column;
    }
}
