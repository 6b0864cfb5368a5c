package io.walmetrics.wal;

/**
 * One value from a wal2json change, kept as the JSON token it arrived as: a number keeps its
 * exact text (never a double), a string its decoded content, a nested array or object its
 * compact JSON text.
 */
public record WalValue(Type type, String text) {

    public enum Type { NULL, STRING, INTEGER, DECIMAL, TRUE, FALSE, ARRAY, OBJECT }

    public static final WalValue NULL = new WalValue(Type.NULL, null);
    public static final WalValue TRUE = new WalValue(Type.TRUE, "true");
    public static final WalValue FALSE = new WalValue(Type.FALSE, "false");

    public boolean isNull() {
        return type == Type.NULL;
    }

    public boolean isNumber() {
        return type == Type.INTEGER || type == Type.DECIMAL;
    }

    /** The value written as JSON, as it would appear in the change. */
    public String toJson() {
        return switch (type) {
            case NULL -> "null";
            case STRING -> Json.quote(text);
            default -> text;
        };
    }
}
