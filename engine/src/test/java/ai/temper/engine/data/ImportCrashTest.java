package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process killed in the middle of an import leaves no dataset and no examples. */
class ImportCrashTest {
  @TempDir Path dir;

  /** The child: imports the file and says when the first rows are in. */
  public static void main(String[] args) {
    try (Database db = Database.open(Path.of(args[0]))) {
      new DatasetImporter(db).importFile(Path.of(args[1]), new DatasetImporter.Options("big",
          DataFormat.AUTO, null), new JobContext() {
            @Override
            public void progress(double fraction, String message) {
              System.out.println("progress " + message);
              System.out.flush();
              try {
                Thread.sleep(50); // leave the parent time to kill us mid-way
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }

            @Override
            public boolean isCancelled() {
              return false;
            }
          });
    }
    System.out.println("finished");
  }

  @Test
  void killedMidImportLeavesNothing() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40_000; i++) {
      lines.add("{\"text\": \"document " + i + " of the crash test\"}");
    }
    Path file = dir.resolve("big.jsonl");
    Files.write(file, lines);
    Path home = dir.resolve("home");
    try (Database db = Database.open(home)) {
      assertThat(db.datasets().list()).isEmpty(); // schema ready before the child starts
    }
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", System.getProperty("java.class.path"),
        ImportCrashTest.class.getName(), home.toString(), file.toString())
        .redirectErrorStream(true).start();
    int seen = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
      String line;
      while ((line = out.readLine()) != null) {
        assertThat(line).isNotEqualTo("finished");
        if (line.startsWith("progress") && line.contains("rows") && ++seen == 3) {
          child.destroyForcibly(); // SIGKILL: no shutdown hooks, no rollback by us
          break;
        }
      }
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).isEqualTo(3);
    try (Database db = Database.open(home)) {
      assertThat(db.datasets().list()).isEmpty();
      assertThat(db.sql().queryLong("SELECT COUNT(*) FROM examples")).isZero();
    }
  }
}
