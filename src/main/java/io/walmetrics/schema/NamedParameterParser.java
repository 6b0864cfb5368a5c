package io.walmetrics.schema;

import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.SqlParser;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Turns {@code :snake_case} parameters into positions, reading the text as SQLite does: nothing
 * inside a string literal, a quoted identifier ({@code "…"}, {@code […]}, {@code `…`}) or a comment
 * ({@code --} to the end of the line, {@code /* … *\/}) is a parameter.
 *
 * <p>JDBI's own parser does the same with an ANTLR lexer, whose first use in a process costs about
 * 0.3 s for the fold's 90 KB of SQL: a third of a one-batch {@code load}. This one is a single pass;
 * {@code NamedParameterParserTest} checks that it reads every file of the project as JDBI's does.
 */
public final class NamedParameterParser implements SqlParser {

    @Override
    public ParsedSql parse(String sql, StatementContext context) {
        ParsedSql.Builder parsed = ParsedSql.builder();
        int length = sql.length();
        int copiedUpTo = 0;
        int i = 0;
        while (i < length) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = afterQuoted(sql, i, c);
            } else if (c == '[') {
                i = afterQuoted(sql, i, ']');
            } else if (c == '-' && i + 1 < length && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? length : end;
            } else if (c == '/' && i + 1 < length && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? length : end + 2;
            } else if (c == ':' && i + 1 < length && isNameStart(sql.charAt(i + 1))) {
                int end = i + 2;
                while (end < length && isNamePart(sql.charAt(end))) {
                    end++;
                }
                parsed.append(sql.substring(copiedUpTo, i)).appendNamedParameter(sql.substring(i + 1, end));
                copiedUpTo = end;
                i = end;
            } else if (c == '?') {
                parsed.append(sql.substring(copiedUpTo, i)).appendPositionalParameter();
                copiedUpTo = i + 1;
                i++;
            } else {
                i++;
            }
        }
        return parsed.append(sql.substring(copiedUpTo)).build();
    }

    /** The index after the quote that closes the one at {@code open}; a doubled quote stays inside. */
    private static int afterQuoted(String sql, int open, char close) {
        int i = open + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == close) {
                if (close != ']' && i + 1 < sql.length() && sql.charAt(i + 1) == close) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    @Override
    public String nameParameter(String rawName, StatementContext context) {
        return ":" + rawName;
    }
}
