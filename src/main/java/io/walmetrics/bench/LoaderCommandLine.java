package io.walmetrics.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs this loader in a JVM of its own: from its jar, or from the classpath in a build. */
final class LoaderCommandLine {

    private LoaderCommandLine() {
    }

    /** {@code java [jvmOptions] -jar loader.jar arguments…} (or {@code -cp … Main}). */
    static List<String> of(List<String> jvmOptions, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        Path codeSource = Path.of(java.net.URI.create(
                LoaderCommandLine.class.getProtectionDomain().getCodeSource().getLocation().toString()));
        if (codeSource.toString().endsWith(".jar")) {
            command.add("-jar");
            command.add(codeSource.toString());
        } else {
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("io.walmetrics.cli.Main");
        }
        command.addAll(arguments);
        return command;
    }
}
