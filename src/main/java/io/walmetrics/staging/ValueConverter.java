package io.walmetrics.staging;

import io.walmetrics.schema.ColumnKind;
import io.walmetrics.wal.Json;
import io.walmetrics.wal.WalValue;
import java.util.Locale;

/** Turns a wal2json value into what its staging column stores (docs/reference.md#type-mapping), or says why it can't. */
final class ValueConverter {

    private static final int SHOWN_VALUE_LENGTH = 60;

    private ValueConverter() {
    }

    /** A Long, Double or String for the column, or null for SQL NULL. */
    static Object convert(WalValue value, ColumnKind kind) throws NotLandableException {
        if (value.isNull()) {
            return null;
        }
        if (value.type() == WalValue.Type.STRING) {
            int at = Json.loneSurrogateAt(value.text());
            if (at >= 0) {
                // JSON may escape half of a UTF-16 pair; UTF-8 (and so SQLite) has no way to store it
                throw unfit(value, String.format(Locale.ROOT, "is not valid UTF-8 text: character %,d is a lone UTF-16"
                        + " surrogate (\\u%04x)", at + 1, (int) value.text().charAt(at)));
            }
        }
        return switch (kind) {
            case INTEGER -> {
                if (value.type() != WalValue.Type.INTEGER) {
                    throw unfit(value, "is not an integer");
                }
                try {
                    yield Long.parseLong(value.text());
                } catch (NumberFormatException tooLarge) {
                    throw unfit(value, "is out of range for a 64-bit integer");
                }
            }
            case BOOLEAN -> switch (value.type()) {
                case TRUE -> 1L;
                case FALSE -> 0L;
                default -> throw unfit(value, "is not a boolean");
            };
            case REAL -> {
                if (!value.isNumber()) {
                    throw unfit(value, "is not a number");
                }
                yield Double.parseDouble(value.text());
            }
            case DECIMAL -> {
                if (!value.isNumber()) {
                    throw unfit(value, "is not a number");
                }
                yield value.text();
            }
            case JSON -> {
                if (value.type() != WalValue.Type.STRING) {
                    throw unfit(value, "is not a string holding JSON");
                }
                String problem = Json.problemAsSqliteJson(value.text());
                if (problem != null) {
                    throw unfit(value, problem);
                }
                yield value.text();
            }
            case TEXT -> switch (value.type()) {
                // a number or boolean in a text column keeps its exact JSON text: nothing is lost
                case STRING, INTEGER, DECIMAL, TRUE, FALSE -> value.text();
                default -> throw unfit(value, "is not a text value");
            };
        };
    }

    /** The value as text for a key: keys are text in every source table. */
    static String keyText(WalValue value) throws NotLandableException {
        return (String) convert(value, ColumnKind.TEXT);
    }

    private static NotLandableException unfit(WalValue value, String problem) {
        return new NotLandableException(shown(value) + " " + problem);
    }

    static String shown(WalValue value) {
        String json = value.toJson();
        return json.length() <= SHOWN_VALUE_LENGTH ? json : json.substring(0, SHOWN_VALUE_LENGTH) + "…";
    }
}
