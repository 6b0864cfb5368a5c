package io.walmetrics.sink;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * How the sink authenticates, from the environment or a file, never from the command line: an API key
 * ({@code Authorization: ApiKey …}) or a user and password (basic auth), or nothing. {@link #toString()}
 * names the kind only, never the secret.
 */
public final class SinkCredentials {

    public static final String USER = "WALMETRICS_SINK_USER";
    public static final String PASSWORD = "WALMETRICS_SINK_PASSWORD";
    public static final String API_KEY = "WALMETRICS_SINK_API_KEY";

    private final String kind;
    private final String authorization;

    private SinkCredentials(String kind, String authorization) {
        this.kind = kind;
        this.authorization = authorization;
    }

    public static SinkCredentials none() {
        return new SinkCredentials("none", null);
    }

    /**
     * From {@code file} when given (lines {@code api_key=…}, or {@code user=…} and {@code password=…}), else from
     * the environment ({@value #API_KEY}, or {@value #USER} and {@value #PASSWORD}).
     */
    public static SinkCredentials load(Map<String, String> environment, Path file) throws IOException {
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            return from(properties.getProperty("api_key"), properties.getProperty("user"), properties.getProperty("password"),
                    file + " (api_key, or user and password)");
        }
        return from(environment.get(API_KEY), environment.get(USER), environment.get(PASSWORD),
                "the environment (" + API_KEY + ", or " + USER + " and " + PASSWORD + ")");
    }

    private static SinkCredentials from(String apiKey, String user, String password, String where) {
        if (apiKey != null && !apiKey.isBlank()) {
            if (user != null) {
                throw new IllegalArgumentException(where + ": give an API key or a user and password, not both");
            }
            return new SinkCredentials("API key", "ApiKey " + apiKey.strip());
        }
        if (user == null && password == null) {
            return none();
        }
        if (user == null || password == null) {
            throw new IllegalArgumentException(where + ": a user needs a password, and a password a user");
        }
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new SinkCredentials("basic auth as " + user, "Basic " + token);
    }

    /** The Authorization header's value, if any. */
    Optional<String> authorization() {
        return Optional.ofNullable(authorization);
    }

    @Override
    public String toString() {
        return kind;
    }
}
