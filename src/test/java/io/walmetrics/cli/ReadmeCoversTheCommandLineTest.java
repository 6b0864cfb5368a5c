package io.walmetrics.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The README is the user's guide: every command and option the jar has must be in it. */
class ReadmeCoversTheCommandLineTest {

    private static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Test
    void every_command_and_every_option_of_it_appears_in_the_readme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> missing = new ArrayList<>();
        commandLine().getSubcommands().forEach((name, command) -> {
            if (!readme.contains("wal-metrics-loader.jar " + name)) {
                missing.add("command " + name);
            }
            for (OptionSpec option : command.getCommandSpec().options()) {
                if (!readme.contains(option.longestName())) {
                    missing.add(name + " " + option.longestName());
                }
            }
        });
        assertEquals(List.of(), missing, "not in README.md");
    }

    @Test
    void every_command_has_help_with_an_example_and_a_version() {
        commandLine().getSubcommands().forEach((name, command) -> {
            CommandSpec spec = command.getCommandSpec();
            assertTrue(spec.mixinStandardHelpOptions(), name + " has no --help and --version");
            String help = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertTrue(help.contains("Example") && help.contains("wal-metrics-loader.jar " + name),
                    name + "'s --help shows no example:\n" + help);
            assertTrue(help.contains("Exit codes"), name + "'s --help says nothing of exit codes");
        });
    }

    @Test
    void the_options_commands_share_mean_the_same_and_default_the_same() {
        commandLine().getSubcommands().forEach((name, command) -> {
            OptionSpec db = command.getCommandSpec().findOption("--db");
            if (db != null) {
                assertEquals("metrics.db", db.defaultValue(), name + " --db");
                assertEquals("FILE", db.paramLabel(), name + " --db");
            }
            OptionSpec batchSize = command.getCommandSpec().findOption("--batch-size");
            if (batchSize != null) {
                assertEquals("N", batchSize.paramLabel(), name + " --batch-size");
            }
            assertTrue(command.getCommandSpec().findOption("--verbose") != null, name + " has no --verbose");
        });
    }
}
