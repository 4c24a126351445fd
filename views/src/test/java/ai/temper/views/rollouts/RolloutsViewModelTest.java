package ai.temper.views.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.RolloutRepository;
import ai.temper.engine.store.RolloutRepository.Rollout;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.rollouts.RolloutsViewModel.ColouredToken;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Rollouts page without a window: RL runs, their rollouts, tokens coloured two ways. */
class RolloutsViewModelTest {
  @TempDir Path dir;

  @Test
  void listsRlRunsAndColoursTheChosenCompletion() throws Exception {
    try (Workbench wb = Workbench.open(dir.resolve("home"))) {
      wb.db().runs().create("sft", null, "kind: sft\n", "m", "d", null);
      long grpo = wb.db().runs().create("grpo", "story", "kind: grpo\n", "m", "d", null);
      String detail = "{\"tokens\": [\"Lily\", \" had\", \" a\"], \"advantages\": [1.5, 1.5, "
          + "1.5], \"log_ratios\": [0.2, -0.4, 0.0]}";
      new RolloutRepository(wb.db().sql()).add(List.of(
          new Rollout(0, grpo, 1, 0, 0, "Write a story.", "Lily had a", 10, 1.0, "pass",
              "ifeval", 1.5, "LENGTH", 3, detail),
          new Rollout(0, grpo, 2, 0, 0, "Write a story.", "Tom", 0, 0.0, "fail", "ifeval",
              null, "EOS", 1, "{\"tokens\": [\"Tom\"], \"advantages\": [0], "
                  + "\"log_ratios\": [0]}")));
      RolloutsViewModel model = new RolloutsViewModel(wb, TaskExecutor.direct(wb.jobs()));
      model.refresh().get(30, TimeUnit.SECONDS);
      assertThat(model.runs()).extracting(Run::kind).containsExactly("grpo");
      assertThat(model.runProperty().get().id()).isEqualTo(grpo);
      model.loadRollouts().get(30, TimeUnit.SECONDS);
      // newest step first
      assertThat(model.rollouts()).extracting(Rollout::step).containsExactly(2L, 1L);
      assertThat(model.summaryProperty().get()).contains("step 2").contains("pass rate 0.00");
      model.selectedProperty().set(model.rollouts().get(1));
      assertThat(model.tokens()).extracting(ColouredToken::text)
          .containsExactly("Lily", " had", " a");
      assertThat(model.tokens()).extracting(ColouredToken::weight).containsExactly(1.0, 1.0,
          1.0);
      model.byLogRatioProperty().set(true);
      assertThat(model.tokens()).extracting(ColouredToken::weight)
          .containsExactly(0.5, -1.0, 0.0);
    }
  }
}
