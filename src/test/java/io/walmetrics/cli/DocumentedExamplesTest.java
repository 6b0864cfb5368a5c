package io.walmetrics.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.LoaderProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every example a user is shown runs as shown: the {@code java -jar target/wal-metrics-loader.jar}
 * lines of every command's {@code --help}, and every {@code $ } command of the README's transcripts,
 * run in a shell in a temporary folder, exit as documented (0, unless the README's next command is
 * {@code echo $?} and prints another code). The jar is not built when the tests run, so the jar's
 * command line is replaced by the test classpath's. What needs a service the suite does not start
 * here (a search node, a PostgreSQL slot, a loop that runs until stopped, minutes of benchmark) is
 * left out by {@link #NEEDS} and run by its own suite.
 */
class DocumentedExamplesTest {

    private static final String JAR = "java -jar target/wal-metrics-loader.jar";
    private static final String BUILD = "mvn -B -q -DskipTests package && ";

    /** Examples that need what this test does not provide, by what they need. */
    private static final Pattern NEEDS = Pattern.compile(
            "pg_recvlogical|wal-from-postgres|curl |\\.jar sink|\\.jar watch|\\.jar follow|--follow-source|PGUSER=|\\.jar bench (?!--quick)"
                    + "|localhost:9200|127\\.0\\.0\\.1:9200");

    /**
     * README sections whose transcript is a session against a PostgreSQL server set up as the section
     * says; FollowTest runs its role and settings as written, and follow itself.
     */
    private static final Set<String> SECTIONS_RUN_ELSEWHERE = Set.of("## Following a PostgreSQL slot");

    @TempDir
    Path dir;

    private record Example(String source, String command, int exitCode) {
    }

    private static String shellCommand(String documented) {
        String java = LoaderProcess.command().stream().map(DocumentedExamplesTest::quoted).collect(Collectors.joining(" "));
        return documented.replace(JAR, java);
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static void copySample(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.copy(Path.of("data/wal.json"), dir.resolve("data/wal.json"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs one documented command in {@code dir}; a line saying what it printed when it exits otherwise. */
    private static String run(Example example, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir.getParent(), "example", ".out");
        Process process = new ProcessBuilder("bash", "-c", shellCommand(example.command()))
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return example.source() + ": `" + example.command() + "` did not end within 180 s";
        }
        int exit = process.exitValue();
        if (exit == example.exitCode()) {
            return null;
        }
        String output = Files.readString(out, UTF_8);
        return example.source() + ": `" + example.command() + "` exited " + exit + ", documented " + example.exitCode()
                + ":\n" + output.substring(Math.max(0, output.length() - 2000));
    }

    static List<Example> helpExamples() {
        List<Example> examples = new ArrayList<>();
        new CommandLine(new Main()).getSubcommands().forEach((name, command) -> {
            boolean inExample = false;
            for (String line : command.getUsageMessage(CommandLine.Help.Ansi.OFF).lines().toList()) {
                if (line.startsWith("Example")) {
                    inExample = true;
                } else if (line.isBlank()) {
                    inExample = false;
                } else if (inExample && line.contains(JAR) && !NEEDS.matcher(line).find()) {
                    examples.add(new Example(name + " --help", line.strip(), 0));
                }
            }
        });
        return examples;
    }

    static List<Example> readmeExamples() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"), UTF_8);
        List<Example> examples = new ArrayList<>();
        boolean fenced = false;
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!fenced && line.startsWith("## ")) {
                section = line.strip();
            }
            if (SECTIONS_RUN_ELSEWHERE.contains(section)) {
                continue;
            }
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced || !line.startsWith("$ ") || line.equals("$ echo $?")) {
                continue;
            }
            int number = i + 1;
            StringBuilder command = new StringBuilder(line.substring(2));
            while (command.toString().endsWith("\\") && i + 1 < lines.size()) {
                command.setLength(command.length() - 1);
                command.append(lines.get(++i).strip());
            }
            String text = command.toString();
            if (text.startsWith(BUILD)) {
                text = text.substring(BUILD.length());
            }
            if (NEEDS.matcher(text).find()) {
                continue;
            }
            int exit = 0;
            for (int j = i + 1; j < lines.size() && !lines.get(j).strip().startsWith("```"); j++) {
                if (lines.get(j).startsWith("$ ")) {
                    if (lines.get(j).equals("$ echo $?")) {
                        exit = Integer.parseInt(lines.get(j + 1).strip());
                    }
                    break;
                }
            }
            examples.add(new Example("README.md line " + number, text, exit));
        }
        return examples;
    }

    @Test
    void every_example_of_every_help_exits_as_documented_on_a_loaded_database() throws Exception {
        List<String> failures = new ArrayList<>();
        List<Example> examples = helpExamples();
        for (Example example : examples) {
            Path work = Files.createDirectories(dir.resolve("help-" + failures.size() + "-" + System.nanoTime()));
            copySample(work);
            Files.copy(work.resolve("data/wal.json"), work.resolve("new-wal.json"));
            assertEquals(0, LoaderProcess.run(work, java.time.Duration.ofMinutes(2), "load", "--db", "metrics.db",
                    "data/wal.json").awaitExit(java.time.Duration.ofMinutes(2)));
            String failure = run(example, work);
            if (failure != null) {
                failures.add(failure);
            }
        }
        assertEquals(List.of(), failures, examples.size() + " examples run");
    }

    @Test
    void every_command_of_the_readme_exits_as_documented_in_order_from_a_fresh_folder() throws Exception {
        List<String> failures = new ArrayList<>();
        List<Example> examples = readmeExamples();
        Path work = Files.createDirectories(dir.resolve("readme"));
        copySample(work);
        for (Example example : examples) {
            String failure = run(example, work);
            if (failure != null) {
                failures.add(failure);
            }
        }
        assertEquals(List.of(), failures, examples.size() + " README commands run");
    }
}
