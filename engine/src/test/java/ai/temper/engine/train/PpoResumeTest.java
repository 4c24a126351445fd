package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.RolloutRepository;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PPO run stopped mid-way and resumed gives the metrics of an uninterrupted run with the
 * same seed: policy, value head and both optimizers' moments come back from the checkpoint,
 * and prompts and sampling follow the step number.
 */
class PpoResumeTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void stoppedRunResumesWithTheSameMetrics() throws Exception {
    Path data = home.resolve("story-world");
    StoryWorld.write(data, 5, 32, 0);
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.PPO,
          "dataset_mixer_list=" + data.resolve("rlvr-train.jsonl") + ",1.0", "eval_fraction=0",
          "num_unique_prompts_rollout=4", "num_samples_per_prompt_rollout=2",
          "response_length=16", "max_seq_length=128", "learning_rate=1e-3", "beta=0.05",
          "num_epochs=2", "num_mini_batches=2", "per_device_train_batch_size=4",
          "max_train_steps=4", "save_steps=2");
      TrainingRuns runs = wb.runs();
      long straight = runs.create(c);
      runs.run(straight, JobContext.none());
      long stopped = runs.create(c);
      assertThatThrownBy(() -> runs.run(stopped, new JobContext() {
        volatile boolean cancelled;

        @Override
        public void progress(double fraction, String message) {
          cancelled |= message != null && message.startsWith("step 3/");
        }

        @Override
        public boolean isCancelled() {
          return cancelled;
        }
      })).isInstanceOf(CancellationException.class);
      // the stop saved the finished step 3 (save_steps alone would have left step 2)
      assertThat(runs.latestCheckpoint(stopped).orElseThrow().getFileName().toString())
          .isEqualTo("step-3");
      runs.run(stopped, JobContext.none());
      for (String name : List.of("reward", "loss", "vf_loss", "kl_per_sequence", "value",
          "grad_norm")) {
        List<Double> a = TrainFixtures.series(wb, straight, name);
        List<Double> b = TrainFixtures.series(wb, stopped, name);
        assertThat(a).as(name).hasSize(4);
        assertThat(b).as(name).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
          assertThat(b.get(i)).as(name + " of step " + (i + 1)).isCloseTo(a.get(i),
              within(1e-4 * Math.max(1, Math.abs(a.get(i)))));
        }
      }
      // the updates after the resume moved the weights: step 4 differs from step 3
      List<Double> loss = TrainFixtures.series(wb, stopped, "loss");
      assertThat(loss.get(3)).isNotEqualTo(loss.get(2));
      RolloutRepository repo = new RolloutRepository(wb.db().sql());
      assertThat(repo.count(stopped)).isEqualTo(repo.count(straight)).isEqualTo(4 * 4 * 2);
    }
  }
}
