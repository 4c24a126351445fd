package ai.temper.views.rollouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.RolloutRepository;
import ai.temper.engine.store.RolloutRepository.Rollout;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.rollouts.RolloutsViewModel.ColouredToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.collections.ListChangeListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Rollouts page without a window: RL runs, their rollouts, tokens coloured two ways. */
class RolloutsViewModelTest {
  private static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
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

  @Test
  void followsARunningGrpoRunStepByStep() throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    TorchRuntime.configure(1);
    Path data = dir.resolve("story-world");
    StoryWorld.write(data, 2, 16, 0);
    try (Workbench wb = Workbench.open(dir.resolve("home"))) {
      RolloutsViewModel model = new RolloutsViewModel(wb, TaskExecutor.direct(wb.jobs()));
      model.activate(); // the page is shown before the run exists
      List<Long> seen = new CopyOnWriteArrayList<>();
      model.rollouts().addListener((ListChangeListener<Rollout>) c -> {
        if (!model.rollouts().isEmpty()) {
          seen.add(model.rollouts().get(0).step());
        }
      });
      TrainConfig c = TrainConfig.defaults(TrainKind.GRPO).withSets(List.of(
          "model_name_or_path=" + STORIES,
          "dataset_mixer_list=" + data.resolve("rlvr-train.jsonl") + ",1.0",
          "eval_fraction=0", "num_unique_prompts_rollout=2", "num_samples_per_prompt_rollout=2",
          "response_length=8", "max_seq_length=96", "max_train_steps=3", "save_steps=0"));
      long id = wb.runs().create(c);
      wb.runs().run(id, JobContext.none());
      List<Long> duringRun = List.copyOf(seen);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((model.rollouts().isEmpty() || model.rollouts().get(0).step() != 3)
          && System.nanoTime() < end) {
        model.lastLoad().get(30, TimeUnit.SECONDS);
        Thread.sleep(20);
      }
      // nobody called refresh or loadRollouts: the run's steps brought its rollouts in
      assertThat(model.runProperty().get().id()).isEqualTo(id);
      assertThat(model.rollouts()).hasSize(4 * 3);
      assertThat(model.rollouts().get(0).step()).isEqualTo(3);
      assertThat(duringRun).as("steps shown while the run went on").contains(1L);
      assertThat(model.summaryProperty().get()).startsWith("step 3:");
      // a hidden page does not follow
      model.deactivate();
      long again = wb.runs().create(c.withSets(List.of("max_train_steps=1")));
      wb.runs().run(again, JobContext.none());
      assertThat(model.runs()).extracting(Run::id).doesNotContain(again);
      model.close();
    }
  }
}
