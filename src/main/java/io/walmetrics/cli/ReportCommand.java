package io.walmetrics.cli;

import io.walmetrics.report.Dashboard;
import io.walmetrics.report.HtmlReport;
import io.walmetrics.report.TextReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "report",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Prints the dashboard views (dashboard_*, over metrics) as text tables on standard output.",
            "",
            "With --html, also writes them as one self-contained HTML page with bar charts "
                + "(inline CSS and SVG; no script, nothing fetched)."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar report --db metrics.db --html report.html",
            "",
            "Exit codes: 0 done, 1 fatal error, 2 usage error."})
final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write the report as an HTML page to FILE.")
    Path html;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        try {
            Jdbi jdbi = common.openToRead();
            Dashboard dashboard;
            try (Handle handle = jdbi.open()) {
                dashboard = Dashboard.read(handle, common.db.toString());
            }
            out.print(TextReport.render(dashboard));
            out.flush();
            if (html != null) {
                Files.writeString(html, HtmlReport.render(dashboard), StandardCharsets.UTF_8);
                err.println("wrote " + html);
            }
            return ExitCode.OK;
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, common.db, common.verbose, err);
        }
    }
}
