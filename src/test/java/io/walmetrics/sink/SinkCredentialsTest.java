package io.walmetrics.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walmetrics.testing.LoaderProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the sink's credentials come from, and that they never show. */
class SinkCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void when_the_environment_holds_a_user_and_password_then_basic_auth_is_sent_and_never_printed() throws Exception {
        SinkCredentials credentials = SinkCredentials.load(Map.of(SinkCredentials.USER, "sink", SinkCredentials.PASSWORD, "s3cret"), null);
        assertEquals(Optional.of("Basic c2luazpzM2NyZXQ="), credentials.authorization());
        assertEquals("basic auth as sink", credentials.toString());
    }

    @Test
    void when_a_credentials_file_holds_an_api_key_then_it_wins_over_the_environment() throws Exception {
        Path file = Files.writeString(dir.resolve("sink.properties"), "api_key = a2V5OnNlY3JldA==\n");
        SinkCredentials credentials = SinkCredentials.load(Map.of(SinkCredentials.USER, "other", SinkCredentials.PASSWORD, "x"), file);
        assertEquals(Optional.of("ApiKey a2V5OnNlY3JldA=="), credentials.authorization());
        assertEquals("API key", credentials.toString());
    }

    @Test
    void when_a_user_has_no_password_then_the_message_says_so_without_any_secret() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> SinkCredentials.load(Map.of(SinkCredentials.USER, "sink"), null));
        assertEquals("the environment (WALMETRICS_SINK_API_KEY, or WALMETRICS_SINK_USER and WALMETRICS_SINK_PASSWORD):"
                + " a user needs a password, and a password a user", error.getMessage());
    }

    @Test
    void when_the_url_holds_credentials_then_the_sink_refuses_it_as_a_usage_error() {
        LoaderProcess sink = LoaderProcess.run(dir, Duration.ofMinutes(1),
                "sink", "--url", "http://user:pw@127.0.0.1:9200", "--index", "metrics");
        assertEquals(2, sink.exitCode(), sink.describe());
        assertEquals(List.of("--url must not hold credentials: use WALMETRICS_SINK_USER and WALMETRICS_SINK_PASSWORD,"
                + " WALMETRICS_SINK_API_KEY or --credentials-file"), sink.stderrLines().subList(0, 1));
    }

    @Test
    void when_the_database_does_not_exist_then_the_sink_says_so_in_one_line_and_exits_1() {
        LoaderProcess sink = LoaderProcess.run(dir, Duration.ofMinutes(1),
                "sink", "--url", "http://127.0.0.1:9", "--index", "metrics", "--db", "missing.db");
        assertEquals(1, sink.exitCode(), sink.describe());
        assertEquals(List.of("missing.db: no such file"), sink.stderrLines());
    }
}
