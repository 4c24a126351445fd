package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.EvalRepository.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 while task results are being written: each one is there whole or not at all. */
class EvalKillTest {
  @TempDir Path home;

  @Test
  void aKilledEvaluationLeavesNoHalfStoredTaskResult() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        EvalKillTarget.class.getName(), home.toString())
        .redirectError(home.resolve("target.err").toFile()).start();
    long committed = 0;
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        committed = Long.parseLong(line.trim());
        if (committed >= 3) {
          Thread.sleep(150); // into the next transaction
          p.destroyForcibly(); // SIGKILL
          break;
        }
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(committed).as(Files.readString(home.resolve("target.err")))
        .isGreaterThanOrEqualTo(3);
    try (Workbench wb = Workbench.open(home)) {
      List<Result> primaries = wb.db().evals().list().stream().filter(Result::isPrimary)
          .toList();
      assertThat((long) primaries.size()).isGreaterThanOrEqualTo(committed);
      for (Result r : primaries) {
        assertThat(wb.db().evals().instanceCount(r.id())).isEqualTo(EvalKillTarget.INSTANCES);
        assertThat(wb.db().evals().metrics(r.id())).hasSize(2);
      }
      long instances = wb.db().sql().queryLong("SELECT COUNT(*) FROM eval_instances");
      assertThat(instances).isEqualTo(primaries.size() * (long) EvalKillTarget.INSTANCES);
    }
  }
}
