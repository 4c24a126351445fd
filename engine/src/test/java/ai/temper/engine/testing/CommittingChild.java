package ai.temper.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child JVM that writes to a home and prints a number on stdout after each commit (the
 * kill tests' targets): run it until it has reported {@code atLeast} commits, stop it with
 * {@code stop} (SIGKILL, SIGTERM, ...), wait for it, and return the last number it printed.
 */
public final class CommittingChild {
  private CommittingChild() {}

  public static long runUntil(Class<?> main, Path home, long atLeast, Consumer<Process> stop)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path err = home.resolve("target.err");
    Files.createDirectories(home);
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        main.getName(), home.toString()).redirectError(err.toFile()).start();
    long committed = 0;
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        committed = Long.parseLong(line.trim());
        if (committed >= atLeast) {
          stop.accept(p);
          break;
        }
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(committed).as(Files.readString(err)).isGreaterThanOrEqualTo(atLeast);
    return committed;
  }
}
