package io.walmetrics.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.schema.SourceTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * sql/fold/ is the rendering of the fold's one template, {@link FoldSql}, for the published catalog:
 * every file there, whole, and no other. {@code -Dwalmetrics.regenerate=true} writes them anew.
 */
class FoldSqlFilesTest {

    private static final Path FOLD_DIR = Path.of("sql/fold");

    static Map<String, String> rendered() {
        Map<String, String> files = new TreeMap<>(FoldSql.sharedFiles());
        for (SourceTable source : SourceCatalog.published().sources()) {
            FoldSql.sourceFiles(source).forEach((name, text) -> files.put(source.source() + "/" + name, text));
        }
        return files;
    }

    @Test
    void every_file_of_sql_fold_is_what_the_template_renders() throws IOException {
        Map<String, String> expected = rendered();
        if (Boolean.getBoolean("walmetrics.regenerate")) {
            for (Map.Entry<String, String> file : expected.entrySet()) {
                Path path = FOLD_DIR.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue());
            }
        }
        Map<String, String> found = new TreeMap<>();
        try (Stream<Path> files = Files.walk(FOLD_DIR)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                found.put(FOLD_DIR.relativize(file).toString(), Files.readString(file));
            }
        }
        assertEquals(expected.keySet(), found.keySet(), "the files of sql/fold/");
        expected.forEach((name, text) -> assertEquals(text, found.get(name), "sql/fold/" + name
                + " differs from FoldSql: mvn -q test -Dtest=FoldSqlFilesTest -Dwalmetrics.regenerate=true"));
    }
}
