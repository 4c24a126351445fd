package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.engine.testing.CommittingChild;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 while task results are being written: each one is there whole or not at all. */
class EvalKillTest {
  @TempDir Path home;

  @Test
  void aKilledEvaluationLeavesNoHalfStoredTaskResult() throws Exception {
    long committed = CommittingChild.runUntil(EvalKillTarget.class, home, 3, p -> {
      try {
        Thread.sleep(150); // into the next transaction
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      p.destroyForcibly(); // SIGKILL
    });
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
