package io.walmetrics.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database migrated by an earlier release must still migrate: Liquibase refuses one whose recorded
 * checksum of a changeset differs from the file's. In formatted SQL the {@code -- comment:} line is
 * metadata and outside the checksum, while a comment inside a changeset's SQL is part of it; this
 * test catches an edit of either kind that would break existing databases.
 */
class ReleasedChangesetsTest {

    @TempDir
    Path dir;

    private static Map<String, String> released() throws IOException {
        Map<String, String> checksums = new LinkedHashMap<>();
        try (InputStream in = ReleasedChangesetsTest.class.getResourceAsStream("released-changesets.txt")) {
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .forEach(line -> {
                        int bar = line.indexOf('|');
                        checksums.put(line.substring(0, bar), line.substring(bar + 1));
                    });
        }
        return checksums;
    }

    @Test
    void when_a_database_is_migrated_every_released_changeset_has_the_checksum_it_was_released_with() throws IOException {
        Jdbi jdbi = Database.open(dir.resolve("m.db"));
        SchemaMigrator.migrate(jdbi, false);

        Map<String, String> recorded = new LinkedHashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("select id, md5sum from databasechangelog")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                .forEach(entry -> recorded.put(entry.getKey(), entry.getValue())));

        List<String> changed = new ArrayList<>();
        released().forEach((id, checksum) -> {
            if (!checksum.equals(recorded.get(id))) {
                changed.add(id + ": released as " + checksum + ", now " + recorded.get(id));
            }
        });
        assertEquals(List.of(), changed, "released changesets whose checksum changed");
    }
}
