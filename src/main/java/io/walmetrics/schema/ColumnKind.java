package io.walmetrics.schema;

import java.util.Locale;

/** How a PostgreSQL type, as wal2json names it, lands in SQLite (docs/reference.md#type-mapping). */
public enum ColumnKind {
    INTEGER("integer"),
    BOOLEAN("integer"),
    REAL("real"),
    /** numeric and decimal: the exact text received, never through a double. */
    DECIMAL("text"),
    /** json and jsonb: text that must be one valid JSON value. */
    JSON("text"),
    TEXT("text");

    private final String sqliteType;

    ColumnKind(String sqliteType) {
        this.sqliteType = sqliteType;
    }

    /** The column type of the STRICT staging and current tables. */
    public String sqliteType() {
        return sqliteType;
    }

    public static ColumnKind of(String pgType) {
        String type = pgType.toLowerCase(Locale.ROOT).trim();
        if (type.endsWith("[]")) {
            return TEXT;
        }
        int parenthesis = type.indexOf('(');
        String base = parenthesis < 0 ? type : type.substring(0, parenthesis).trim();
        return switch (base) {
            case "smallint", "integer", "bigint", "int2", "int4", "int8" -> INTEGER;
            case "boolean", "bool" -> BOOLEAN;
            case "real", "double precision", "float4", "float8" -> REAL;
            case "numeric", "decimal" -> DECIMAL;
            case "json", "jsonb" -> JSON;
            default -> TEXT;
        };
    }
}
