package io.walmetrics.schema;

/**
 * A column whose WAL type differs from what the migrations declare for it
 * (docs/reference.md#source-tables): what a load records in {@code schema_drift} and what
 * {@code schema FILE} reports.
 *
 * @param walTable     the table as the WAL names it
 * @param observedType the type wal2json gave in {@code columntypes}
 * @param declaredType the type the catalog ({@code source_column}) declares, null when it does not know the
 *                     column; {@code schema_drift.expected_type} holds it (a released migration names it so)
 */
public record ColumnDrift(String walTable, String column, String observedType, String declaredType) {

    /** "transaction.amount: bigint, declared integer" or "….risk_score: text, not in the migrations". */
    public String brief() {
        return walTable + "." + column + ": " + observedType
                + (declaredType == null ? ", not in the migrations" : ", declared " + declaredType);
    }

    /** As {@link #brief()}, with what becomes of the column's values. */
    public String describe() {
        return brief() + (declaredType == null ? " (kept in extra_columns)" : " (values that do not fit are rejected)");
    }
}
