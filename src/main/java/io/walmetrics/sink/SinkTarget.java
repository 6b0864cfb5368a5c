package io.walmetrics.sink;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * A search index the sink keeps equal to {@code metrics}: the node's URL (http or https, no path) and the
 * index name, as given. The checkpoint is keyed by what the node says the index is ({@link IndexIdentity}), not by these.
 */
public record SinkTarget(String url, String index) {

    // OpenSearch's rules: lowercase, no \ / * ? " < > | space , #, not starting with - _ +, not . or ..
    private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,254}");

    public SinkTarget {
        url = url.replaceAll("/+$", "");
    }

    /** Checks a URL and an index name from the command line; the message says what is wrong. */
    public static SinkTarget of(String url, String index) {
        URI uri;
        try {
            uri = URI.create(url.replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url " + url + " is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("--url must be http://HOST:PORT or https://HOST:PORT, not " + url);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("--url must not hold credentials: use WALMETRICS_SINK_USER and"
                    + " WALMETRICS_SINK_PASSWORD, WALMETRICS_SINK_API_KEY or --credentials-file");
        }
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("--url must be the node only (scheme, host, port), not " + url);
        }
        if (!INDEX_NAME.matcher(index).matches() || index.equals(".") || index.equals("..")) {
            throw new IllegalArgumentException("--index " + index + " is not an index name (lowercase letters, digits, . _ -)");
        }
        return new SinkTarget(uri.toString(), index);
    }

    @Override
    public String toString() {
        return url + "/" + index;
    }
}
