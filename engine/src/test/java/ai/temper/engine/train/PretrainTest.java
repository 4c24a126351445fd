package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.model.LlamaConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pretraining a new tiny model from scratch on plain text, packed. */
class PretrainTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void aNewTinyModelLearnsFromPackedText() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainConfig.defaults(TrainKind.PRETRAIN).withSets(List.of(
          "tokenizer_name=../shared/models/stories260K/tok512.bin", "model_size=tiny",
          "dataset_mixer_list=" + TrainFixtures.TEXT + ",1.0", "packing=true",
          "max_seq_length=128", "learning_rate=5e-3", "max_train_steps=10",
          "per_device_train_batch_size=8", "eval_steps=5", "save_steps=0", "warmup_ratio=0.1"));
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> eval = TrainFixtures.series(wb, r.runId(), "eval_loss");
      System.out.println("pretrain eval " + eval);
      // a fresh model predicts ~uniformly over 512 tokens: loss near ln 512 = 6.24
      assertThat(eval.get(0)).isBetween(5.5, 7.0);
      assertThat(eval.get(eval.size() - 1)).isLessThan(eval.get(0) - 1.0);
      LlamaConfig cfg = LlamaConfig.read(r.checkpoint().resolve("config.json"));
      assertThat(cfg.hiddenSize()).isEqualTo(64);
      assertThat(cfg.numHiddenLayers()).isEqualTo(5);
      assertThat(cfg.vocabSize()).isEqualTo(512);
      assertThat(TrainFixtures.series(wb, r.runId(), "data/truncated_examples")).containsExactly(0.0);
      assertThat(new ObjectMapper().readTree(Files.readString(
          r.checkpoint().resolve("trainer_state.json"))).get("global_step").asInt()).isEqualTo(10);
    }
  }
}
