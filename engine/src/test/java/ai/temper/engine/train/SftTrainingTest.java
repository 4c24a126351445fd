package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.RunStatus;
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
      // the base by its name in the model library; checkpoints join the library as children
      ModelLibrary library = new ModelLibrary(wb);
      long baseId = library.importLocal(TrainFixtures.STORIES,
          new ModelLibrary.ImportOptions("stories", false, null, null), JobContext.none()).id();
      TrainConfig c = TrainFixtures.config(TrainKind.SFT, "model_name_or_path=stories",
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
      assertThat(wb.db().checkpoints().forRun(r.runId())).hasSize(2)
          .allSatisfy(row -> assertThat(row.modelId()).isNotNull());
      var entry = library.get(wb.db().checkpoints().latest(r.runId()).orElseThrow().modelId());
      assertThat(entry.parentId()).isEqualTo(baseId);
      assertThat(entry.step()).isEqualTo(12L);
      assertThat(Path.of(entry.path())).isEqualTo(r.checkpoint());
      assertThat(wb.db().runs().find(r.runId()).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    }
  }
}
