package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.hf.SafetensorsFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DPO and reward models on preference pairs whose chosen ending is kind, rejected unkind. */
class PreferenceTrainingTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void dpoRaisesHeldOutAccuracyAndTheMarginGrows() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.DPO,
          "dataset_mixer_list=" + TrainFixtures.PREFS + ",1.0", "eval_fraction=0.2",
          "learning_rate=2e-3", "beta=0.1", "max_train_steps=10", "warmup_ratio=0",
          "per_device_train_batch_size=8", "eval_steps=5", "save_steps=0");
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> acc = TrainFixtures.series(wb, r.runId(), "eval_rewards/accuracies");
      List<Double> margins = TrainFixtures.series(wb, r.runId(), "eval_rewards/margins");
      System.out.println("dpo eval acc " + acc + " margins " + margins + " loss "
          + TrainFixtures.series(wb, r.runId(), "loss"));
      // step 0: the policy is the reference, so every implicit reward is zero
      assertThat(margins.get(0)).isEqualTo(0.0);
      assertThat(acc.get(acc.size() - 1)).isGreaterThanOrEqualTo(0.8);
      assertThat(margins.get(margins.size() - 1)).isGreaterThan(margins.get(1)).isGreaterThan(0);
      assertThat(TrainFixtures.series(wb, r.runId(), "rewards/margins")).isNotEmpty();
      Path refs = Path.of(wb.db().runs().find(r.runId()).orElseThrow().outputDir())
          .resolve(Trainer.REFERENCE_FILE);
      assertThat(refs).exists();
    }
  }

  @Test
  void rewardModelBeatsChanceAndSavesAScoreHead() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.RM,
          "dataset_mixer_list=" + TrainFixtures.PREFS + ",1.0", "eval_fraction=0.2",
          "learning_rate=3e-3", "max_train_steps=12", "warmup_ratio=0",
          "per_device_train_batch_size=8", "eval_steps=6", "save_steps=0",
          "center_rewards_coefficient=0.01");
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> acc = TrainFixtures.series(wb, r.runId(), "eval_accuracy");
      System.out.println("rm eval acc " + acc + " loss "
          + TrainFixtures.series(wb, r.runId(), "eval_loss"));
      assertThat(acc.get(acc.size() - 1)).isGreaterThanOrEqualTo(0.8);
      var cfg = new ObjectMapper().readTree(Files.readString(r.checkpoint().resolve("config.json")));
      assertThat(cfg.get("architectures").get(0).asText())
          .isEqualTo("LlamaForSequenceClassification");
      assertThat(cfg.get("num_labels").asInt()).isEqualTo(1);
      assertThat(SafetensorsFile.readAll(r.checkpoint().resolve("model.safetensors")))
          .containsKey("score.weight");
      // read back, it scores the kind ending above the unkind one
      try (RewardScorer scorer = RewardScorer.load(r.checkpoint())) {
        ChatMessage ask = ChatMessage.user("Tell me about Mia the cat at the park.");
        float[] s = scorer.score(List.of(
            List.of(ask, ChatMessage.assistant("Mia the cat went to the park. Then Mia smiled "
                + "and helped a friend.")),
            List.of(ask, ChatMessage.assistant("Mia the cat went to the park. Then Mia cried "
                + "and hit a friend."))));
        assertThat(s[0]).isGreaterThan(s[1]);
      }
    }
  }

  @Test
  void mixesNameWorkbenchDatasetsAndRefuseTheWrongKind() {
    try (Workbench wb = Workbench.open(home)) {
      new DatasetImporter(wb.db()).importFile(TrainFixtures.PREFS,
          new DatasetImporter.Options("kindness", DataFormat.AUTO, DatasetImporter.OnError.ABORT),
          JobContext.none());
      TrainConfig c = TrainFixtures.config(TrainKind.RM, "dataset_mixer_list=kindness,16",
          "eval_fraction=0.25", "max_train_steps=2", "per_device_train_batch_size=4",
          "save_steps=0");
      TrainResult r = TrainFixtures.run(wb, c);
      assertThat(TrainFixtures.series(wb, r.runId(), "data/train_examples")).containsExactly(12.0);
      TrainConfig sft = TrainFixtures.config(TrainKind.SFT, "dataset_mixer_list=kindness,1.0");
      assertThatThrownBy(() -> TrainFixtures.run(wb, sft))
          .hasMessageContaining("'kindness' holds preference examples")
          .hasMessageContaining("messages");
      TrainConfig missing = TrainFixtures.config(TrainKind.SFT, "dataset_mixer_list=nope,1.0");
      assertThatThrownBy(() -> TrainFixtures.run(wb, missing))
          .hasMessageContaining("'nope' is neither a file nor a dataset");
    }
  }
}
