package ai.temper.app.fault;

import ai.temper.app.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A `temper` command line in a child JVM, to be killed (SIGKILL) or signalled (SIGTERM). */
public final class ChildJvm {
  final Process process;
  /** The lines of stderr read so far. */
  public final List<String> err = new ArrayList<>();
  private final BufferedReader errReader;

  private ChildJvm(Process p) {
    this.process = p;
    this.errReader = new BufferedReader(new InputStreamReader(p.getErrorStream(),
        StandardCharsets.UTF_8));
  }

  /** Starts {@code temper ARGS}; {@code fault} (or null) is the temper.fault point. */
  public static ChildJvm start(Path stdout, String fault, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    if (fault != null) {
      cmd.add("-Dtemper.fault=" + fault);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("TEMPER_THREADS", "1");
    pb.environment().remove("TEMPER_FAULT");
    pb.redirectOutput(stdout.toFile());
    return new ChildJvm(pb.start());
  }

  /** Reads stderr until a line matches (returned) or the stream ends (null). */
  public String awaitLine(Predicate<String> match) throws IOException {
    String line;
    while ((line = errReader.readLine()) != null) {
      err.add(line);
      if (match.test(line)) {
        return line;
      }
    }
    return null;
  }

  /** Reads the rest of stderr and waits for the exit code. */
  public int finish(long seconds) throws Exception {
    awaitLine(l -> false);
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not end within " + seconds + " s; stderr: " + err);
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no clean close. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
