package io.walmetrics.follow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * The PostgreSQL server {@code follow} reads: its JDBC address without credentials (what messages
 * and the database show), and the user and password, which come from the environment
 * ({@code PGUSER}, {@code PGPASSWORD}) or a file, never from the command line. TLS and other driver
 * settings pass through the address's query string.
 */
public final class PgSource {

    public static final String USER_VARIABLE = "PGUSER";
    public static final String PASSWORD_VARIABLE = "PGPASSWORD";
    private static final String PREFIX = "jdbc:postgresql://";

    private final String url;
    private final String user;
    private final String password;

    private PgSource(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * @param passwordFile a file whose first line is the password, or null for {@code PGPASSWORD}
     * @throws IllegalArgumentException for an address that is not {@code jdbc:postgresql://…} or
     *                                  that carries a password (a visible argument)
     */
    public static PgSource of(String jdbcUrl, Map<String, String> environment, Path passwordFile) throws IOException {
        if (jdbcUrl == null || !jdbcUrl.startsWith(PREFIX) || jdbcUrl.length() == PREFIX.length()) {
            throw new IllegalArgumentException("--source must be a PostgreSQL JDBC address, jdbc:postgresql://HOST:PORT/DATABASE");
        }
        int query = jdbcUrl.indexOf('?');
        String base = query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
        String user = null;
        List<String> kept = new ArrayList<>();
        if (query >= 0) {
            for (String parameter : jdbcUrl.substring(query + 1).split("&")) {
                String name = parameter.contains("=") ? parameter.substring(0, parameter.indexOf('=')) : parameter;
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "password" -> throw new IllegalArgumentException("--source must not carry the password (anyone can read"
                            + " a command line): put it in " + PASSWORD_VARIABLE + " or a --password-file");
                    case "user" -> user = parameter.substring(name.length() + 1);
                    default -> {
                        if (!parameter.isEmpty()) {
                            kept.add(parameter);
                        }
                    }
                }
            }
        }
        if (base.substring(PREFIX.length()).contains("@")) {
            throw new IllegalArgumentException("--source must not carry credentials: give the user in " + USER_VARIABLE
                    + " and the password in " + PASSWORD_VARIABLE + " or a --password-file");
        }
        if (user == null) {
            user = environment.get(USER_VARIABLE);
        }
        String password = environment.get(PASSWORD_VARIABLE);
        if (passwordFile != null) {
            List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
            password = lines.isEmpty() ? "" : lines.get(0).strip();
        }
        String url = kept.isEmpty() ? base : base + "?" + String.join("&", kept);
        return new PgSource(url, user, password);
    }

    /** The address without credentials, as stored in the database and shown in messages. */
    public String url() {
        return url;
    }

    /** host:port/database, for messages. */
    public String display() {
        String rest = url.substring(PREFIX.length());
        int query = rest.indexOf('?');
        return query < 0 ? rest : rest.substring(0, query);
    }

    public String user() {
        return user;
    }

    /** An ordinary connection (snapshot reads, slot queries), auto-commit on. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, properties(false));
    }

    /** A logical replication connection to the database, for slot commands and streaming. */
    public Connection connectForReplication() throws SQLException {
        return DriverManager.getConnection(url, properties(true));
    }

    private Properties properties(boolean replication) {
        Properties properties = new Properties();
        if (user != null) {
            PGProperty.USER.set(properties, user);
        }
        if (password != null) {
            PGProperty.PASSWORD.set(properties, password);
        }
        PGProperty.APPLICATION_NAME.set(properties, "wal-metrics-loader follow");
        PGProperty.CONNECT_TIMEOUT.set(properties, 10); // the address's own connectTimeout wins
        if (replication) {
            PGProperty.REPLICATION.set(properties, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
            PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        }
        return properties;
    }
}
