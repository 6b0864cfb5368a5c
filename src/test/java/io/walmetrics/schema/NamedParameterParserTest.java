package io.walmetrics.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.ColonPrefixSqlParser;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;

/** The loader's parameter parser reads SQL as SQLite does, and every file of the project as JDBI's own parser does. */
class NamedParameterParserTest {

    private final NamedParameterParser parser = new NamedParameterParser();

    @Test
    void parameters_become_positions_and_nothing_quoted_or_commented_is_one() {
        assertParsed("-- :in_a_comment\nselect :first, ':quoted', \"a:b\", [c:d], `e:f`, /* :g */ 'it''s :h' from t"
                        + " where x = :second and y = :first\n",
                "-- :in_a_comment\nselect ?, ':quoted', \"a:b\", [c:d], `e:f`, /* :g */ 'it''s :h' from t where x = ? and y = ?\n",
                List.of("first", "second", "first"));
        assertParsed("insert into t (a) values (:batch_id_2)", "insert into t (a) values (?)", List.of("batch_id_2"));
        assertParsed("select 1 -- ends without a newline :x", "select 1 -- ends without a newline :x", List.of());
        assertParsed("select 'never closed :x", "select 'never closed :x", List.of());
        assertParsed("select ?, ?", "select ?, ?", List.of("?", "?"));
    }

    @Test
    void reads_every_sql_file_of_the_project_as_jdbis_parser_does() throws IOException {
        ColonPrefixSqlParser jdbis = new ColonPrefixSqlParser();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(Path.of("sql"))) {
            files = walk.filter(path -> path.toString().endsWith(".sql")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no sql/ files found from " + Path.of("").toAbsolutePath());
        try (Handle handle = Jdbi.create("jdbc:sqlite::memory:").open()) {
            for (Path file : files) {
                String sql = Files.readString(file);
                StatementContext context = handle.createUpdate(sql).getContext();
                ParsedSql expected = jdbis.parse(sql, context);
                ParsedSql actual = parser.parse(sql, context);
                assertEquals(expected.getSql(), actual.getSql(), file.toString());
                assertEquals(expected.getParameters().getParameterNames(), actual.getParameters().getParameterNames(), file.toString());
            }
        }
    }

    private void assertParsed(String sql, String expectedSql, List<String> expectedNames) {
        try (Handle handle = Jdbi.create("jdbc:sqlite::memory:").open()) {
            ParsedSql parsed = parser.parse(sql, handle.createUpdate(sql).getContext());
            assertEquals(expectedSql, parsed.getSql());
            assertEquals(expectedNames, parsed.getParameters().getParameterNames());
        }
    }
}
