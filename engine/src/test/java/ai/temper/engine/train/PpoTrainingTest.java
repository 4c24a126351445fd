package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** PPO against a reward model trained by an rm run, on stories260K. */
@ExtendWith(RlFixtures.OnStories.class)
class PpoTrainingTest {
  @TempDir Path home;

  @Test
  void ppoRaisesTheRewardModelsHeldOutScoreWithBoundedKl() throws Exception {
    Path data = RlFixtures.storyWorld(home, 11, 64, 16);
    try (Workbench wb = Workbench.open(home)) {
      TrainResult rm = TrainFixtures.run(wb, TrainFixtures.config(TrainKind.RM,
          "dataset_mixer_list=" + TrainFixtures.PREFS + ",1.0", "eval_fraction=0.2",
          "learning_rate=3e-3", "max_train_steps=12", "warmup_ratio=0",
          "per_device_train_batch_size=8", "eval_steps=6", "save_steps=0",
          "center_rewards_coefficient=0.01"));
      TrainConfig c = RlFixtures.storyWorldConfig(TrainKind.PPO, data,
          "reward_model_path=" + rm.checkpoint(), "apply_verifiable_reward=false",
          "learning_rate=" + System.getProperty("ppo.lr", "3e-4"),
          "max_train_steps=" + System.getProperty("ppo.steps", "12"),
          "num_unique_prompts_rollout=8", "num_samples_per_prompt_rollout=4",
          "response_length=32", "beta=0.05", "num_epochs=2", "num_mini_batches=2",
          "non_stop_penalty=false", "per_device_train_batch_size=16");
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> score = TrainFixtures.series(wb, r.runId(), "eval_rm_score");
      List<Double> kl = TrainFixtures.series(wb, r.runId(), "kl_per_sequence");
      System.out.println("ppo eval rm score " + score + " kl " + kl + " reward "
          + TrainFixtures.series(wb, r.runId(), "reward") + " vf "
          + TrainFixtures.series(wb, r.runId(), "vf_loss") + " rm acc "
          + TrainFixtures.series(wb, r.runId(), "rm/eval_accuracy"));
      // the reward model's held-out accuracy, from its own run, is reported before PPO
      assertThat(TrainFixtures.series(wb, r.runId(), "rm/eval_accuracy")).hasSize(1);
      assertThat(score.get(score.size() - 1)).isGreaterThan(score.get(0));
      assertThat(kl.get(0)).isEqualTo(0.0);
      // bounded: under half a nat per token of the 32-token responses at every step (the
      // measured run ends near 14 nats per response while the score rises)
      for (double k : kl) {
        assertThat(Math.abs(k)).isLessThan(0.5 * 32);
      }
      assertThat(SafetensorsFile.readAll(r.checkpoint().resolve("value_model.safetensors")))
          .containsKey(TrainableModel.SCORE);
    }
  }
}
