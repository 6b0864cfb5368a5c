package io.walmetrics.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

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
}
