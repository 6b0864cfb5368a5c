package io.walmetrics.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a database file is, found without changing it or leaving anything beside it: absent, empty,
 * the loader's (marked in its header), the loader's from before the marker, or someone else's.
 */
public record DatabaseFile(Path file, Kind kind, String found) {

    /**
     * The loader's mark in SQLite's header ({@code pragma application_id}): "WALM" in ASCII.
     * Set when the loader creates or adopts a database; any other program's file lacks it.
     */
    public static final int APPLICATION_ID = 0x57414C4D;

    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = 100;
    private static final int APPLICATION_ID_OFFSET = 68;
    private static final int TABLES_NAMED = 6;

    public enum Kind {
        /** No file: the loader may create one. */
        ABSENT,
        /** 0 bytes, or a SQLite file without a single schema object or mark: the loader may adopt it. */
        EMPTY,
        /** Carries the loader's mark. */
        MARKED,
        /**
         * Made by a loader before the mark existed: its Liquibase changelog records this project's
         * changesets, it has a recorded schema fingerprint, and every table in it is one the
         * migrations make.
         */
        OURS_UNMARKED,
        /** Anything else: never changed. */
        FOREIGN
    }

    public boolean isOurs() {
        return kind == Kind.MARKED || kind == Kind.OURS_UNMARKED;
    }

    /** "other.db: not a wal-metrics-loader database (it holds tables users); refusing to touch it". */
    public String refusal() {
        return file + ": not a wal-metrics-loader database (" + found + "); refusing to touch it";
    }

    public static DatabaseFile inspect(Path file) {
        try {
            if (!Files.exists(file)) {
                return new DatabaseFile(file, Kind.ABSENT, "it does not exist");
            }
            if (!Files.isRegularFile(file)) {
                return new DatabaseFile(file, Kind.FOREIGN, "it is not a regular file");
            }
            if (Files.size(file) == 0) {
                return new DatabaseFile(file, Kind.EMPTY, "it is empty");
            }
            byte[] header = readHeader(file);
            if (header.length < HEADER_BYTES || !ByteBuffer.wrap(header, 0, SQLITE_MAGIC.length).equals(ByteBuffer.wrap(SQLITE_MAGIC))) {
                return new DatabaseFile(file, Kind.FOREIGN, "it is not a SQLite database file");
            }
            if (ByteBuffer.wrap(header).getInt(APPLICATION_ID_OFFSET) == APPLICATION_ID) {
                return new DatabaseFile(file, Kind.MARKED, "it carries the loader's mark");
            }
            // the header in the main file may be older than the database: a mark still in the -wal
            // file, not yet checkpointed, is only seen through SQLite
            return inspectContents(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readHeader(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(HEADER_BYTES);
        }
    }

    private static DatabaseFile inspectContents(Path file) {
        try (Connection connection = DriverManager.getConnection(inspectionUrl(file));
             Statement statement = connection.createStatement()) {
            int applicationId = single(statement, "pragma application_id");
            List<String> tables = new ArrayList<>();
            int otherObjects = 0;
            try (ResultSet rs = statement.executeQuery(
                    "select type, name from sqlite_schema where name not like 'sqlite\\_%' escape '\\' order by name collate nocase")) {
                while (rs.next()) {
                    if (rs.getString(1).equals("table")) {
                        tables.add(rs.getString(2));
                    } else {
                        otherObjects++;
                    }
                }
            }
            if (applicationId == APPLICATION_ID) {
                return new DatabaseFile(file, Kind.MARKED, "it carries the loader's mark");
            }
            if (applicationId != 0) {
                return new DatabaseFile(file, Kind.FOREIGN,
                        "it is marked as another program's database, application_id " + applicationId);
            }
            if (tables.isEmpty() && otherObjects == 0) {
                return new DatabaseFile(file, Kind.EMPTY, "it holds no tables");
            }
            if (madeByThisLoader(statement, tables)) {
                return new DatabaseFile(file, Kind.OURS_UNMARKED, "it was made by an earlier wal-metrics-loader");
            }
            return new DatabaseFile(file, Kind.FOREIGN, describe(tables, otherObjects));
        } catch (SQLException e) {
            return new DatabaseFile(file, Kind.FOREIGN, "it cannot be read as a SQLite database: " + e.getMessage());
        }
    }

    /**
     * Open without a lock or a -wal/-shm file when no -wal file is there (immutable: everything is in
     * the main file then), read-only otherwise; either way nothing is written.
     */
    private static String inspectionUrl(Path file) {
        Path absolute = file.toAbsolutePath();
        boolean hasWal = Files.exists(absolute.resolveSibling(absolute.getFileName() + "-wal"));
        try {
            String path = new URI("file", null, absolute.toString(), null).getRawPath();
            return "jdbc:sqlite:file:" + path + (hasWal ? "?mode=ro" : "?immutable=1");
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(file + ": cannot be named as a SQLite URI", e);
        }
    }

    private static boolean madeByThisLoader(Statement statement, List<String> tables) throws SQLException {
        MigrationContents ours = MigrationContents.ofJar();
        if (!tables.stream().allMatch(ours::makesTable)) {
            return false;
        }
        Set<String> lowerTables = new HashSet<>();
        tables.forEach(table -> lowerTables.add(table.toLowerCase(Locale.ROOT)));
        if (!lowerTables.contains("databasechangelog") || !lowerTables.contains("schema_fingerprint")) {
            return false;
        }
        if (single(statement, "select count(*) from schema_fingerprint where id = 1") != 1) {
            return false;
        }
        Set<String> recorded = new HashSet<>();
        try (ResultSet rs = statement.executeQuery("select id from databasechangelog where author = '"
                + MigrationContents.AUTHOR + "' and filename like 'migrations/%'")) {
            while (rs.next()) {
                recorded.add(rs.getString(1));
            }
        }
        // every loader that recorded a fingerprint had run the migrations up to the one creating its table
        List<String> expected = ours.changesetsUpTo("schema_fingerprint");
        return !expected.isEmpty() && recorded.containsAll(expected);
    }

    private static String describe(List<String> tables, int otherObjects) {
        if (tables.isEmpty()) {
            return "it holds no tables, only " + otherObjects + (otherObjects == 1 ? " index, view or trigger" : " indexes, views or triggers");
        }
        String named = String.join(", ", tables.subList(0, Math.min(TABLES_NAMED, tables.size())));
        String more = tables.size() > TABLES_NAMED ? ", … (" + tables.size() + " in all)" : "";
        return "it holds " + (tables.size() == 1 ? "table " : "tables ") + named + more;
    }

    private static int single(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
