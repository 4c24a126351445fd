package ai.temper.engine.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of each module's tests, how many tests were skipped and why (a failed
 * assumption, such as "../shared/models/stories260K is absent", or a disabled test), so that
 * a clone without ../shared shows what it did not check. Registered for every module through
 * {@code META-INF/services} in the engine's test jar.
 */
public final class SkipSummary implements TestExecutionListener {
  private final Map<String, List<String>> byReason = new TreeMap<>();

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    add(reason, test);
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      add(result.getThrowable().map(Throwable::getMessage).orElse(null), test);
    }
  }

  private synchronized void add(String reason, TestIdentifier test) {
    String why = reason == null || reason.isBlank() ? "(no reason given)"
        : reason.replaceFirst("^Assumption failed: ", "");
    byReason.computeIfAbsent(why, k -> new ArrayList<>()).add(test.getDisplayName());
  }

  @Override
  public synchronized void testPlanExecutionFinished(TestPlan plan) {
    int total = byReason.values().stream().mapToInt(List::size).sum();
    String module = System.getProperty("basedir", "");
    module = module.isEmpty() ? "" : " in " + module.replaceFirst(".*[/\\\\]", "");
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%n[skipped tests] %d skipped%s%s%n", total, module,
        total == 0 ? "" : ":"));
    byReason.forEach((why, tests) -> sb.append(String.format("[skipped tests]   %3d  %s  (%s)%n",
        tests.size(), why, String.join(", ", tests.subList(0, Math.min(3, tests.size())))
            + (tests.size() > 3 ? ", ..." : ""))));
    System.out.print(sb);
    System.out.flush();
  }
}
