package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of wal2json format-version 2, as a replication slot streams it: one message per
 * change, a transaction framed by a {@code B} and a {@code C} message that carry its
 * {@code nextlsn} (docs/follow.md#the-stream). A change becomes the same {@link WalChange} that
 * {@link ChangeParser} makes of that change in format-version 1 (kind, column names, types,
 * values with their JSON token types, old keys), parsed straight from the message: nothing is
 * written back to JSON and read again.
 *
 * <p>{@code I}, {@code U}, {@code D} become inserts, updates and deletes ({@code identity} is
 * format 1's {@code oldkeys}, which leaves null old values out), {@code T} a change of kind {@code truncate} with schema and table and
 * no columns, a transactional {@code M} a change of kind {@code message} with its
 * {@code transactional}, {@code prefix} and {@code content} as format 1 writes them.
 */
public final class Wal2jsonV2 {

    /** What a message is. */
    public enum Action { BEGIN, COMMIT, CHANGE, NON_TRANSACTIONAL_MESSAGE }

    /**
     * @param nextLsn for {@code B} and {@code C}: the position just after the transaction's commit
     * @param change  for a change: the change, at {@code position}, carrying {@code recordLsn}
     */
    public record Message(Action action, Lsn nextLsn, WalChange change) {
    }

    private Wal2jsonV2() {
    }

    /**
     * Parses one message.
     *
     * @param recordLsn the nextlsn of the transaction the message belongs to (from its {@code B}), or null
     * @throws IOException for text that is not a wal2json format-version 2 message (the reason as its message)
     */
    public static Message parse(byte[] bytes, int offset, int length, ChangePosition position, Lsn recordLsn)
            throws IOException {
        try (JsonParser parser = Json.WAL_RECORDS.createParser(bytes, offset, length)) {
            return new Wal2jsonV2.Reader(parser, position, recordLsn).message();
        }
    }

    /** The same, of a message given as text: for tests. */
    public static Message parse(String text, ChangePosition position, Lsn recordLsn) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, position, recordLsn);
    }

    private static final class Reader {
        private final JsonParser parser;
        private final ChangePosition position;
        private final Lsn recordLsn;

        Reader(JsonParser parser, ChangePosition position, Lsn recordLsn) {
            this.parser = parser;
            this.position = position;
            this.recordLsn = recordLsn;
        }

        Message message() throws IOException {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw problem("a wal2json format-version 2 message is a JSON object");
            }
            String action = null;
            String nextLsn = null;
            String schema = null;
            String table = null;
            List<Column> columns = null;
            List<Column> identity = null;
            Map<String, String> other = new LinkedHashMap<>();
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "action" -> action = string(field, value);
                    case "nextlsn" -> nextLsn = string(field, value);
                    case "schema" -> schema = string(field, value);
                    case "table" -> table = string(field, value);
                    case "columns" -> columns = columns(field, value);
                    case "identity" -> identity = columns(field, value);
                    // positions, ids and times of the message itself: the transaction's nextlsn stands for them
                    case "xid", "timestamp", "lsn", "origin" -> parser.skipChildren();
                    default -> other.put(field, copyValue());
                }
            }
            if (action == null) {
                throw problem("a wal2json format-version 2 message without an action");
            }
            return switch (action) {
                case "B" -> new Message(Action.BEGIN, lsn(nextLsn), null);
                case "C" -> new Message(Action.COMMIT, lsn(nextLsn), null);
                case "I" -> change("insert", schema, table, columns, identity, other);
                case "U" -> change("update", schema, table, columns, identity, other);
                case "D" -> change("delete", schema, table, columns, identity, other);
                case "T" -> change("truncate", schema, table, null, null, other);
                case "M" -> "true".equals(other.get("transactional"))
                        ? new Message(Action.CHANGE, null, new WalChange(position, "message", null, null, List.of(), List.of(),
                                List.of(), null, null, other, recordLsn))
                        : new Message(Action.NON_TRANSACTIONAL_MESSAGE, null, null);
                default -> throw problem("a wal2json format-version 2 message of unknown action \"" + action + "\"");
            };
        }

        private Message change(String kind, String schema, String table, List<Column> columns, List<Column> identity,
                               Map<String, String> other) {
            List<String> names = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<WalValue> values = new ArrayList<>();
            if (columns != null) {
                for (Column column : columns) {
                    names.add(column.name());
                    types.add(column.type());
                    values.add(column.value());
                }
            }
            OldKeys oldKeys = null;
            if (identity != null) {
                // format 1 leaves an old value that is null out of oldkeys (REPLICA IDENTITY FULL); format 2 writes it
                List<Column> known = identity.stream().filter(column -> !column.value().isNull()).toList();
                oldKeys = new OldKeys(known.stream().map(Column::name).toList(), known.stream().map(Column::type).toList(),
                        known.stream().map(Column::value).toList());
            }
            return new Message(Action.CHANGE, null,
                    new WalChange(position, kind, schema, table, names, types, values, oldKeys, null, other, recordLsn));
        }

        private record Column(String name, String type, WalValue value) {
        }

        private List<Column> columns(String field, JsonToken value) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                throw problem(field + " is not an array");
            }
            List<Column> columns = new ArrayList<>();
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token != JsonToken.START_OBJECT) {
                    throw problem(field + " holds something other than objects");
                }
                String name = null;
                String type = null;
                WalValue columnValue = null;
                for (JsonToken member = parser.nextToken(); member != JsonToken.END_OBJECT; member = parser.nextToken()) {
                    String memberName = parser.currentName();
                    JsonToken memberValue = parser.nextToken();
                    switch (memberName) {
                        case "name" -> name = string(field + ".name", memberValue);
                        case "type" -> type = string(field + ".type", memberValue);
                        case "value" -> columnValue = value(memberValue);
                        default -> parser.skipChildren();
                    }
                }
                if (name == null || type == null || columnValue == null) {
                    throw problem(field + " holds a column without a name, a type or a value");
                }
                columns.add(new Column(name, type, columnValue));
            }
            return columns;
        }

        private WalValue value(JsonToken token) throws IOException {
            WalValue value = Json.columnValue(token, parser, parser::nextToken);
            if (value == null) {
                throw problem("unexpected " + token + " as a column value");
            }
            return value;
        }

        private String string(String field, JsonToken value) throws IOException {
            if (value != JsonToken.VALUE_STRING) {
                throw problem(field + " is not a string");
            }
            return parser.getText();
        }

        private Lsn lsn(String text) throws IOException {
            Lsn lsn = text == null ? null : Lsn.parse(text);
            if (lsn == null) {
                throw problem("a transaction's B or C message without a nextlsn (include-lsn)");
            }
            return lsn;
        }

        /** The value in hand as compact JSON text, exactly as written. */
        private String copyValue() throws IOException {
            return Json.copyValue(parser, parser::nextToken);
        }

        private IOException problem(String reason) {
            return new IOException(reason);
        }
    }
}
