package io.walmetrics.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of {@code sql/} and {@code migrations/}, read from the classpath: the build copies the
 * very files a person runs in sqlite3 into the jar under the same names.
 */
public final class ProjectFiles {

    private ProjectFiles() {
    }

    /** The file's text, e.g. {@code read("sql/030_upsert_metrics.sql")}; a missing file fails loudly. */
    public static String read(String path) {
        try (InputStream in = ProjectFiles.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing " + path + " (is the jar complete?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /**
     * The names of the {@code .sql} files directly in a folder, e.g. {@code listSql("sql")}, sorted by
     * name, which is their number order; read from the jar or, in a build, from its classes folder.
     */
    public static List<String> listSql(String folder) {
        try {
            Path location = Path.of(ProjectFiles.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                return sqlNames(location.resolve(folder));
            }
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                return sqlNames(jar.getPath(folder));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    private static List<String> sqlNames(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalStateException("missing " + folder + " (is the jar complete?)");
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<String> names = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".sql")).sorted().toList();
            if (names.isEmpty()) {
                throw new IllegalStateException("no .sql files in " + folder + " (is the jar complete?)");
            }
            return names;
        }
    }
}
