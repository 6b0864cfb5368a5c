package io.walmetrics.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The few requests the sink makes of an OpenSearch / Elasticsearch node, over {@link HttpClient}: the cluster's
 * and the index's uuid, does the index exist, create it, and {@code _bulk}. Each request is bounded: a connection
 * in {@link #CONNECT_TIMEOUT}, an answer in the request timeout ({@code --request-timeout}). A node that cannot take a request now (unreachable, 429, 5xx) is
 * a {@link NodeBusyException}, for the caller to retry; any other refusal a {@link SearchRequestException}.
 */
public final class SearchClient {

    /** The node cannot take the request now: it is down, overloaded (429) or failing (5xx). Retry. */
    public static final class NodeBusyException extends IOException {
        NodeBusyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The node refused the request for good (401, 403, 400 …): retrying would not help. */
    public static final class SearchRequestException extends RuntimeException {
        SearchRequestException(String message) {
            super(message);
        }
    }

    /** A stop was asked for while a request was waiting for its answer; the request was abandoned. */
    public static final class StopRequestedException extends IOException {
        StopRequestedException() {
            super("stopped");
        }
    }

    /** Where a request waits: how long for an answer, whether to stop, and who hears of a long wait. */
    public record Waits(Duration requestTimeout, BooleanSupplier stopRequested, Consumer<String> onLongWait) {

        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
        public static final Waits DEFAULT = new Waits(DEFAULT_REQUEST_TIMEOUT, () -> false, line -> { });
    }

    static final ObjectMapper JSON = new ObjectMapper();
    /** How long a connection may take to open. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A request without an answer after this long says what it waits for, once. */
    public static final Duration ANNOUNCE_AFTER = Duration.ofSeconds(5);

    private final SinkTarget target;
    private final SinkCredentials credentials;
    private final HttpClient http;
    private final Waits waits;

    public SearchClient(SinkTarget target, SinkCredentials credentials, Path caFile) throws IOException {
        this(target, credentials, caFile, Waits.DEFAULT);
    }

    public SearchClient(SinkTarget target, SinkCredentials credentials, Path caFile, Waits waits) throws IOException {
        this.target = target;
        this.credentials = credentials;
        this.waits = waits;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (caFile != null) {
            builder.sslContext(trusting(caFile));
        }
        this.http = builder.build();
    }

    public SinkTarget target() {
        return target;
    }

    /** The cluster's {@code cluster_uuid}, from {@code GET /}: the same whatever the URL's spelling. */
    public String clusterUuid() throws IOException {
        HttpResponse<String> response = send("GET /", request("/").GET());
        if (response.statusCode() != 200) {
            throw refused("GET /", response);
        }
        String uuid = json("GET /", response).path("cluster_uuid").asText("");
        if (uuid.isEmpty() || uuid.equals("_na_")) {
            throw new SearchRequestException(target.url() + " answered GET / without a cluster_uuid (is it an OpenSearch or Elasticsearch node,"
                    + " and has its cluster formed?)");
        }
        return uuid;
    }

    /** The index's {@code index.uuid}: another index of the same name, made again, has another one. */
    public String indexUuid() throws IOException {
        String what = "GET /" + target.index() + "/_settings/index.uuid";
        HttpResponse<String> response = send(what, request("/" + target.index() + "/_settings/index.uuid").GET());
        if (response.statusCode() != 200) {
            throw refused(what, response);
        }
        JsonNode indexes = json(what, response);
        if (indexes.size() != 1) {
            throw new SearchRequestException(target + " names " + indexes.size() + " indexes (an alias of several?): give the sink one index");
        }
        String uuid = indexes.elements().next().path("settings").path("index").path("uuid").asText("");
        if (uuid.isEmpty()) {
            throw new SearchRequestException(target.url() + " answered " + what + " without the index's uuid");
        }
        return uuid;
    }

    /** True when the index (or an alias of that name) exists. */
    public boolean indexExists() throws IOException {
        String what = "HEAD /" + target.index();
        HttpResponse<String> response = send(what, request("/" + target.index()).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() == 200) {
            return true;
        }
        if (response.statusCode() == 404) {
            return false;
        }
        throw refused(what, response);
    }

    /** Creates the index with the template's settings and mappings; false when another made it meanwhile. */
    public boolean createIndex(String template) throws IOException {
        String what = "PUT /" + target.index();
        HttpResponse<String> response = send(what, request("/" + target.index())
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(template)));
        if (response.statusCode() == 200) {
            return true;
        }
        if (response.statusCode() == 400 && response.body().contains("resource_already_exists_exception")) {
            return false;
        }
        throw refused(what, response);
    }

    /** Sends bulk lines to {@code POST /INDEX/_bulk}; the per-item results are the caller's to read. */
    public JsonNode bulk(byte[] lines) throws IOException {
        String what = "POST /" + target.index() + "/_bulk";
        HttpResponse<String> response = send(what, request("/" + target.index() + "/_bulk")
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(lines)));
        if (response.statusCode() != 200) {
            throw refused(what, response);
        }
        return json(what, response);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(target.url() + path)).timeout(waits.requestTimeout());
        credentials.authorization().ifPresent(value -> builder.header("Authorization", value));
        return builder;
    }

    /**
     * Sends the request and waits for its answer, at most the request timeout; says once what it waits for when the
     * answer takes longer than {@link #ANNOUNCE_AFTER}; abandons the request at once when a stop is asked for.
     */
    private HttpResponse<String> send(String what, HttpRequest.Builder request) throws IOException {
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
        long announceAt = System.nanoTime() + ANNOUNCE_AFTER.toNanos();
        boolean announced = false;
        while (true) {
            try {
                return answer.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException notYet) {
                if (waits.stopRequested().getAsBoolean()) {
                    answer.cancel(true);
                    throw new StopRequestedException();
                }
                if (!announced && System.nanoTime() >= announceAt) {
                    announced = true;
                    waits.onLongWait().accept("waiting for " + target.url() + " to answer " + what + " (at most "
                            + seconds(waits.requestTimeout()) + " s, --request-timeout)");
                }
            } catch (ExecutionException failed) {
                throw describe(what, failed.getCause() != null ? failed.getCause() : failed);
            } catch (InterruptedException e) {
                answer.cancel(true);
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
        }
    }

    private IOException describe(String what, Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLException tls) {
                String message = String.valueOf(tls.getMessage());
                if (message.contains("Unsupported or unrecognized SSL message") || message.contains("plaintext connection")) {
                    throw new SearchRequestException(target.url() + " answers plain HTTP, not TLS: use --url "
                            + target.url().replaceFirst("^https:", "http:"));
                }
                throw new SearchRequestException(target.url() + ": TLS failed: " + message
                        + " (is --ca-file the CA that signed the node's certificate?)");
            }
        }
        if (failure instanceof HttpConnectTimeoutException) {
            return new NodeBusyException(target.url() + " did not take the connection within " + seconds(CONNECT_TIMEOUT) + " s", failure);
        }
        if (failure instanceof HttpTimeoutException) {
            return new NodeBusyException(target.url() + " did not answer " + what + " within " + seconds(waits.requestTimeout())
                    + " s (--request-timeout)", failure);
        }
        if (failure instanceof ConnectException) {
            return new NodeBusyException(target.url() + " is unreachable (connection refused)", failure);
        }
        if (failure instanceof IOException io) {
            return new NodeBusyException(target.url() + " is unreachable (" + describe(io) + ")", failure);
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        return new IOException(target.url() + ": " + failure, failure);
    }

    /** The body as JSON; a body that is not (a proxy's page) is one line naming the URL and its first characters. */
    private JsonNode json(String what, HttpResponse<String> response) {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException notJson) {
            // said below
        }
        String body = response.body() == null ? "" : response.body();
        String start = body.substring(0, Math.min(200, body.length())).replaceAll("\\s+", " ").strip();
        throw new SearchRequestException(target.url() + " answered " + what + " with " + response.statusCode() + " but not JSON ("
                + response.headers().firstValue("Content-Type").orElse("no Content-Type") + "): "
                + (start.isEmpty() ? "(an empty body)" : start + (body.length() > 200 ? " …" : "")));
    }

    static String seconds(Duration duration) {
        double seconds = duration.toMillis() / 1000.0;
        return seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
    }

    private IOException refused(String what, HttpResponse<String> response) {
        int status = response.statusCode();
        String reason = errorReason(response.body());
        if (status == 429 || status >= 500) {
            return new NodeBusyException(target.url() + " answered " + what + " with " + status + reason, null);
        }
        if (status == 403 && reason.startsWith(" cluster_block_exception")) {
            throw new SearchRequestException(IndexBlock.describe(target, status + reason) + " (it refused " + what + ")");
        }
        String hint = status == 401 ? " (credentials missing or wrong)"
                : status == 403 ? " (the credentials lack a privilege on index " + target.index() + ", see docs/sink.md for the least privileges)" : "";
        throw new SearchRequestException(target.url() + " refused " + what + ": " + status + hint + reason);
    }

    private static String errorReason(String body) {
        try {
            JsonNode error = JSON.readTree(body).path("error");
            if (error.isObject()) {
                return " " + error.path("type").asText() + ": " + error.path("reason").asText();
            }
            if (error.isTextual()) {
                return " " + error.asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // a proxy's page, or an empty body
        }
        return "";
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static SSLContext trusting(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IOException(caFile + ": no certificate in the file (PEM or DER expected)");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                trust.setCertificateEntry("ca-" + n++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(caFile + ": not a CA certificate (" + e.getMessage() + ")", e);
        }
    }
}
