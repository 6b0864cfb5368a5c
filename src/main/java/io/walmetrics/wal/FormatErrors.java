package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wording of malformed input (docs/reference.md#malformed-input): Jackson's messages and the
 * reader's own findings as the project's one line, naming the input, line, column and batch.
 */
final class FormatErrors {

    /** Jackson's report of a field name twice in one object. */
    private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate Object property \"([^\"]*)\"|Duplicate field '([^']*)'");
    /** Jackson's note on which structure a close marker does not match: "(for Array starting at [Source: …; line: 1, column: 2])". */
    private static final Pattern OPENED_AT = Pattern.compile(
            "\\(for (Array|Object) starting at \\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]\\)");

    private final String input;

    FormatErrors(String input) {
        this.input = input;
    }

    /**
     * Input that is not JSON. Between batches it is charged to the batch that was starting
     * ({@code batchNo + 1}), since that is the batch it keeps from being read.
     *
     * @param where where the parser stands, for an exception that does not say
     */
    WalFormatException notJson(JsonProcessingException e, JsonLocation where, int batchNo, boolean batchOpen) {
        JsonLocation location = e.getLocation() != null ? e.getLocation() : where;
        return new WalFormatException(input, batchOpen ? batchNo : batchNo + 1,
                location.getLineNr(), location.getColumnNr(), plainReason(e.getOriginalMessage()), e);
    }

    /** JSON that is not WAL records; between batches it names no batch. */
    WalFormatException notWal(NotWalException e, int batchNo, boolean batchOpen) {
        return new WalFormatException(input, batchOpen ? batchNo : 0, e.line(), e.column(), e.reason(), null);
    }

    /** Jackson's message without its second location and settings: one plain reason. */
    static String plainReason(String jacksonMessage) {
        if (jacksonMessage.startsWith("Unexpected end-of-input")) {
            return "the input ends in the middle of a JSON value (truncated?)";
        }
        String reason = jacksonMessage.lines().findFirst().orElse(jacksonMessage);
        Matcher duplicate = DUPLICATE_FIELD.matcher(reason);
        if (duplicate.lookingAt()) {
            String field = duplicate.group(1) != null ? duplicate.group(1) : duplicate.group(2);
            return "the field \"" + field + "\" appears twice in one object (PostgreSQL never writes that;"
                    + " neither copy is applied)";
        }
        Matcher opened = OPENED_AT.matcher(reason);
        if (opened.find()) {
            reason = reason.substring(0, opened.start()) + "(for the " + opened.group(1).toLowerCase(java.util.Locale.ROOT)
                    + " opened at line " + opened.group(2) + ", column " + opened.group(3) + ")" + reason.substring(opened.end());
        }
        for (String noise : List.of(" (start marker at", " at [Source")) {
            int at = reason.indexOf(noise);
            if (at > 0) {
                reason = reason.substring(0, at);
            }
        }
        return reason;
    }

    /** A token as the messages name it: "an object", "a string", "the end of the input". */
    static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the input";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case END_ARRAY -> "the end of an array";
            case END_OBJECT -> "the end of an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }
}
