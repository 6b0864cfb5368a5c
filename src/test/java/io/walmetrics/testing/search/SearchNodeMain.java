package io.walmetrics.testing.search;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * The main class of the OpenSearch node that {@link SearchNode} starts in a JVM of its own.
 *
 * <p>Not {@code org.opensearch.bootstrap.OpenSearch}: that refuses to run as root (CI containers do), insists on
 * a distribution's layout, and loads plugins only from {@code plugins/}; a node built directly, as OpenSearch's
 * own test framework does, takes the netty4 HTTP transport as a classpath plugin.
 *
 * <p>Arguments: the node's home folder, then {@code name=value} settings. Prints {@code started} once it serves.
 */
public final class SearchNodeMain {

    private static final class ClasspathPluginNode extends Node {
        ClasspathPluginNode(Environment environment) {
            super(environment, List.<Class<? extends Plugin>>of(Netty4Plugin.class), true);
        }
    }

    private SearchNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        Settings.Builder settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString());
        for (int i = 1; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            settings.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings.build(), Map.of(), null, () -> "node-1");
        Node node = new ClasspathPluginNode(environment);
        node.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception ignored) {
                // the JVM is ending anyway
            }
        }));
        System.out.println("started");
        System.out.flush();
        Thread.currentThread().join();
    }
}
