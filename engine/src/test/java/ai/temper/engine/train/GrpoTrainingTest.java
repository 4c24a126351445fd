package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO on the story-world task (StoryWorld: the name, colour and object of the prompt must
 * appear), from a short SFT of stories260K: the pass rate on held-out prompts (new names, new
 * colour-object pairs) rises by a clear margin. About two minutes on the shared 2-core machine.
 */
@ExtendWith(RlFixtures.OnStories.class)
class GrpoTrainingTest {
  @TempDir Path home;

  @Test
  void grpoRaisesTheHeldOutPassRate() throws Exception {
    Path data = RlFixtures.storyWorld(home, 7, 200, 24);
    try (Workbench wb = Workbench.open(home)) {
      long t0 = System.nanoTime();
      TrainConfig sft = TrainFixtures.config(TrainKind.SFT,
          "dataset_mixer_list=" + data.resolve("sft.jsonl") + ",1.0", "eval_fraction=0",
          "learning_rate=" + System.getProperty("sft.lr", "3e-3"),
          "max_train_steps=" + System.getProperty("sft.steps", "15"), "warmup_ratio=0",
          "per_device_train_batch_size=16", "max_seq_length=128", "save_steps=0");
      TrainResult s = TrainFixtures.run(wb, sft);
      long t1 = System.nanoTime();
      TrainConfig grpo = RlFixtures.storyWorldConfig(TrainKind.GRPO, data,
          "model_name_or_path=" + s.checkpoint(),
          "learning_rate=" + System.getProperty("grpo.lr", "5e-4"),
          "max_train_steps=" + System.getProperty("grpo.steps", "20"),
          "num_unique_prompts_rollout=8", "num_samples_per_prompt_rollout=8",
          "response_length=40", "beta=0.01", "per_device_train_batch_size=64");
      TrainResult g = TrainFixtures.run(wb, grpo);
      long t2 = System.nanoTime();
      List<Double> pass = TrainFixtures.series(wb, g.runId(), "eval_pass_rate");
      System.out.printf("sft %.1fs grpo %.1fs eval pass %s train pass %s reward %s kl %s "
          + "dropped %s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9, pass,
          TrainFixtures.series(wb, g.runId(), "pass_rate"),
          TrainFixtures.series(wb, g.runId(), "reward"),
          TrainFixtures.series(wb, g.runId(), "kl"),
          TrainFixtures.series(wb, g.runId(), "dropped_groups"));
      // measured on this machine: 0.54 -> 0.73 on the held-out prompts
      assertThat(pass).hasSize(2);
      assertThat(pass.get(1) - pass.get(0)).as("held-out pass-rate gain").isGreaterThan(0.10);
    }
  }
}
