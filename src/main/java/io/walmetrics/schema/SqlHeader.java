package io.walmetrics.schema;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header a file of {@code sql/} opens with: comment lines {@code -- Key:  value}, a value
 * going on over the comment lines that follow it until the next key or a line that is not indented.
 */
public record SqlHeader(String file, Map<String, String> values) {

    private static final Pattern KEY_LINE = Pattern.compile("^--\\s([A-Z][a-z]+(?: [a-z]+)?):\\s*(.*)$");
    private static final Pattern GOING_ON = Pattern.compile("^--\\s{2,}(\\S.*)$");

    public SqlHeader {
        values = Map.copyOf(values);
    }

    public static SqlHeader of(String file, String sql) {
        Map<String, String> values = new LinkedHashMap<>();
        String key = null;
        for (String line : (Iterable<String>) sql.lines()::iterator) {
            if (!line.startsWith("--")) {
                break;
            }
            Matcher keyLine = KEY_LINE.matcher(line);
            Matcher goingOn = GOING_ON.matcher(line);
            if (keyLine.matches()) {
                key = keyLine.group(1);
                values.put(key, keyLine.group(2).strip());
            } else if (key != null && goingOn.matches()) {
                values.merge(key, goingOn.group(1).strip(), (before, more) -> before + " " + more);
            } else {
                key = null;
            }
        }
        return new SqlHeader(file, values);
    }

    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The value of a key the file must have. */
    public String get(String key) {
        return find(key).orElseThrow(() -> new IllegalStateException(file + " has no \"-- " + key + ":\" line in its header"));
    }
}
