package io.walmetrics.schema;

/**
 * A PostgreSQL type name as wal2json writes it in {@code columntypes}, brought to the form the
 * migrations declare (docs/reference.md#source-tables). wal2json prints a type as
 * {@code format_type} does: unqualified when the type is visible on the decoding session's
 * search_path, else qualified by its schema and quoted where needed. A follow session sees
 * {@code public} and writes {@code transaction_type}; {@code pg_recvlogical}'s session has an
 * empty search_path and writes {@code public.transaction_type}, {@code public."Odd Type"},
 * {@code public.transaction_type[]}. A type qualified by the change's own schema is the type the
 * migrations declare unqualified; one of another schema is another type, and stays as written.
 */
public final class PgTypeName {

    private PgTypeName() {
    }

    /**
     * {@code walType} without the qualification by {@code sourceSchema} (the change's
     * {@code schema}) and, once unqualified, without the quotes of its name; any other name as it is.
     */
    public static String unqualified(String walType, String sourceSchema) {
        if (walType == null || sourceSchema == null || sourceSchema.isEmpty()) {
            return walType;
        }
        String rest = null;
        if (walType.startsWith(sourceSchema + ".")) {
            rest = walType.substring(sourceSchema.length() + 1);
        } else {
            String quoted = "\"" + sourceSchema.replace("\"", "\"\"") + "\".";
            if (walType.startsWith(quoted)) {
                rest = walType.substring(quoted.length());
            }
        }
        String name = rest == null || rest.isEmpty() ? null : unquoted(rest);
        return name == null ? walType : name;
    }

    /**
     * {@code "Odd Type"[]} → {@code Odd Type[]}: a quoted name's text (doubled quotes single), then
     * what follows it; null for a quote that does not close (not a name wal2json writes).
     */
    private static String unquoted(String name) {
        if (!name.startsWith("\"")) {
            return name;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"') {
                if (i + 1 < name.length() && name.charAt(i + 1) == '"') {
                    text.append('"');
                    i++;
                } else {
                    return text.append(name, i + 1, name.length()).toString();
                }
            } else {
                text.append(c);
            }
        }
        return null;
    }
}
