package io.walmetrics.transform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;

/**
 * One file of {@code sql/}: one statement with {@code :snake_case} parameters, read from the
 * classpath, where the build puts the very files a person runs by hand in sqlite3.
 */
public record SqlFile(String name, String sql, List<String> parameters) {

    public static SqlFile load(String name, Handle handle) {
        String resource = "sql/" + name;
        try (InputStream in = SqlFile.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing SQL file " + resource + " (is the jar complete?)");
            }
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            StatementContext context = handle.createUpdate(sql).getContext();
            List<String> parameters = handle.getConfig(SqlStatements.class).getSqlParser()
                    .parse(sql, context).getParameters().getParameterNames();
            return new SqlFile(name, sql, List.copyOf(parameters));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SQL file " + resource, e);
        }
    }

    /**
     * Runs the statement, binding from {@code values} the parameters the file names: a file
     * that needs a value not offered fails, and nothing is bound that the file does not use.
     */
    public int execute(Handle handle, Map<String, ?> values) {
        try (Update update = handle.createUpdate(sql)) {
            for (String parameter : parameters) {
                if (!values.containsKey(parameter)) {
                    throw new IllegalStateException(name + " needs :" + parameter + ", which the loader does not supply");
                }
                update.bind(parameter, values.get(parameter));
            }
            return update.execute();
        }
    }
}
