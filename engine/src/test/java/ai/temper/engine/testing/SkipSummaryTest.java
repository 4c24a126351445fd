package ai.temper.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The summary counts skipped tests by reason and names them. */
class SkipSummaryTest {
  /** Run by the test below through its own launcher, not by the build. */
  static class Sample {
    @Test
    void needsData() {
      Assumptions.assumeTrue(false, "../shared/data is absent: skipping");
    }

    @Test
    void alsoNeedsData() {
      Assumptions.assumeTrue(false, "../shared/data is absent: skipping");
    }

    @Test
    @Disabled("not today")
    void disabled() {}

    @Test
    void runs() {}
  }

  @Test
  void countsSkipsByReason() {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
          .selectors(selectClass(Sample.class)).build(), new SkipSummary());
    } finally {
      System.setOut(old);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("[skipped tests] 3 skipped")
        .contains("  2  ../shared/data is absent: skipping  (")
        .contains("  1  not today  (disabled()");
  }
}
