package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainingTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void sftLowersHeldOutLossAndWritesAHfCheckpoint() {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.SFT,
          "dataset_mixer_list=" + TrainFixtures.CHAT + ",1.0", "learning_rate=3e-3",
          "max_train_steps=12", "per_device_train_batch_size=8", "warmup_ratio=0",
          "eval_steps=6", "save_steps=6", "max_seq_length=256");
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> eval = TrainFixtures.series(wb, r.runId(), "eval_loss");
      System.out.println("eval_loss " + eval + " loss "
          + TrainFixtures.series(wb, r.runId(), "loss"));
      assertThat(eval).hasSize(3);
      assertThat(eval.get(2)).isLessThan(eval.get(0) - 0.3);
      assertThat(r.checkpoint()).isEqualTo(home.resolve("checkpoints/run-" + r.runId()
          + "/step-12"));
      assertThat(r.checkpoint().resolve("config.json")).exists();
      assertThat(r.checkpoint().resolve("model.safetensors")).exists();
      assertThat(r.checkpoint().resolve("tokenizer.json")).exists();
      assertThat(wb.db().checkpoints().forRun(r.runId())).hasSize(2);
      assertThat(wb.db().runs().find(r.runId()).orElseThrow().status()).isEqualTo("SUCCEEDED");
    }
  }
}
