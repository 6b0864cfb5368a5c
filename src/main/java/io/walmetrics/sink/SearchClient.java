package io.walmetrics.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
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
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The few requests the sink makes of an OpenSearch / Elasticsearch node, over {@link HttpClient}: does the
 * index exist, create it, and {@code _bulk}. A node that cannot take a request now (unreachable, 429, 5xx) is
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

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private final SinkTarget target;
    private final SinkCredentials credentials;
    private final HttpClient http;

    public SearchClient(SinkTarget target, SinkCredentials credentials, Path caFile) throws IOException {
        this.target = target;
        this.credentials = credentials;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (caFile != null) {
            builder.sslContext(trusting(caFile));
        }
        this.http = builder.build();
    }

    public SinkTarget target() {
        return target;
    }

    /** True when the index (or an alias of that name) exists. */
    public boolean indexExists() throws IOException {
        HttpResponse<String> response = send(request("/" + target.index()).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() == 200) {
            return true;
        }
        if (response.statusCode() == 404) {
            return false;
        }
        throw refused("HEAD /" + target.index(), response);
    }

    /** Creates the index with the template's settings and mappings; an index created meanwhile is fine. */
    public void createIndex(String template) throws IOException {
        HttpResponse<String> response = send(request("/" + target.index())
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(template)));
        if (response.statusCode() == 200) {
            return;
        }
        if (response.statusCode() == 400 && response.body().contains("resource_already_exists_exception")) {
            return;
        }
        throw refused("PUT /" + target.index(), response);
    }

    /** Sends bulk lines to {@code POST /INDEX/_bulk}; the per-item results are the caller's to read. */
    public JsonNode bulk(byte[] lines) throws IOException {
        HttpResponse<String> response = send(request("/" + target.index() + "/_bulk")
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(lines)));
        if (response.statusCode() != 200) {
            throw refused("POST /" + target.index() + "/_bulk", response);
        }
        return JSON.readTree(response.body());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(target.url() + path)).timeout(REQUEST_TIMEOUT);
        credentials.authorization().ifPresent(value -> builder.header("Authorization", value));
        return builder;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new NodeBusyException(target.url() + " is unreachable (connection refused)", e);
        } catch (HttpTimeoutException e) {
            throw new NodeBusyException(target.url() + " did not answer in time (" + e.getMessage() + ")", e);
        } catch (javax.net.ssl.SSLException e) {
            throw new SearchRequestException(target.url() + ": TLS failed: " + e.getMessage()
                    + " (is --ca-file the CA that signed the node's certificate?)");
        } catch (IOException e) {
            throw new NodeBusyException(target.url() + " is unreachable (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    private IOException refused(String what, HttpResponse<String> response) {
        int status = response.statusCode();
        String reason = errorReason(response.body());
        if (status == 429 || status >= 500) {
            return new NodeBusyException(target.url() + " answered " + what + " with " + status + reason, null);
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
