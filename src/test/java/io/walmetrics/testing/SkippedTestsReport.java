package io.walmetrics.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Says on the console, once per test class, which tests did not run and why. Surefire's summary
 * counts skipped tests but keeps their reasons in the XML reports, where a reader of
 * {@code mvn -B verify} never looks. Registered for every test run through
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 *
 * <p>A test counts here when it was disabled (a condition, {@code @Disabled}) or aborted (a failed
 * assumption: the PostgreSQL suite without a server, a test that needs the published dataset).
 */
public final class SkippedTestsReport implements TestExecutionListener {

    private record Skips(int count, String firstReason) {
    }

    private final Map<String, Skips> byClass = new LinkedHashMap<>();

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        note(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            note(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        byClass.forEach((className, skips) -> System.out.println("[SKIPPED] " + className + ": " + skips.count()
                + (skips.count() == 1 ? " test" : " tests") + " did not run: " + skips.firstReason()));
        byClass.clear();
    }

    private synchronized void note(TestIdentifier test, String reason) {
        String why = reason == null || reason.isBlank() ? "no reason given" : reason.lines().findFirst().orElse(reason);
        // a skipped class or container counts once, its tests are not reported separately
        byClass.merge(className(test).orElse(test.getDisplayName()), new Skips(1, why),
                (before, added) -> new Skips(before.count() + 1, before.firstReason()));
    }

    private static Optional<String> className(TestIdentifier test) {
        return test.getSource().flatMap(source -> {
            if (source instanceof MethodSource method) {
                return Optional.of(method.getClassName());
            }
            if (source instanceof ClassSource type) {
                return Optional.of(type.getClassName());
            }
            return Optional.empty();
        });
    }
}
