package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.RolloutRepository;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PPO run stopped mid-way and resumed gives the metrics of an uninterrupted run with the
 * same seed: policy, value head and both optimizers' moments come back from the checkpoint,
 * and prompts and sampling follow the step number.
 */
@ExtendWith(RlFixtures.OnStories.class)
class PpoResumeTest {
  @TempDir Path home;

  @Test
  void stoppedRunResumesWithTheSameMetrics() throws Exception {
    Path data = RlFixtures.storyWorld(home, 5, 32, 0);
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.PPO,
          "dataset_mixer_list=" + data.resolve("rlvr-train.jsonl") + ",1.0", "eval_fraction=0",
          "num_unique_prompts_rollout=4", "num_samples_per_prompt_rollout=2",
          "response_length=16", "max_seq_length=128", "learning_rate=1e-3", "beta=0.05",
          "num_epochs=2", "num_mini_batches=2", "per_device_train_batch_size=4",
          "max_train_steps=4", "save_steps=2");
      // the stop saves the finished step 3 (save_steps alone would have left step 2)
      long[] ids = RlFixtures.straightAndResumed(wb, c, 3);
      long straight = ids[0];
      long stopped = ids[1];
      String[] metrics = {"reward", "loss", "vf_loss", "kl_per_sequence", "value", "grad_norm"};
      for (String name : metrics) {
        assertThat(TrainFixtures.series(wb, straight, name)).as(name).hasSize(4);
      }
      RlFixtures.assertSameSeries(wb, straight, stopped, 1e-4, true, metrics);
      // the updates after the resume moved the weights: step 4 differs from step 3
      List<Double> loss = TrainFixtures.series(wb, stopped, "loss");
      assertThat(loss.get(3)).isNotEqualTo(loss.get(2));
      RolloutRepository repo = new RolloutRepository(wb.db().sql());
      assertThat(repo.count(stopped)).isEqualTo(repo.count(straight)).isEqualTo(4 * 4 * 2);
    }
  }
}
