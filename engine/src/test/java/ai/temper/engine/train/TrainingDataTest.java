package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.Workbench;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mixing sources by fraction or count, seeded; held-out splits; format and kind checks. */
class TrainingDataTest {
  @TempDir Path home;

  @Test
  void mixesByFractionAndCountReproduciblyAndHoldsOutEvaluation() {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainConfig.parse("""
          model_name_or_path: m
          dataset_mixer_list:
            - {path: samples/chat-stories.jsonl, fraction: 0.5}
            - {path: samples/chat-stories.jsonl, count: 10}
          eval_fraction: 0.1
          """, "mix.yaml", TrainKind.SFT);
      TrainingData.Split a = TrainingData.load(c, wb.db());
      TrainingData.Split b = TrainingData.load(c, wb.db());
      assertThat(a.train().size() + a.eval().size()).isEqualTo(25 + 10);
      assertThat(a.eval()).hasSize(4);
      assertThat(a.train()).isEqualTo(b.train());
      TrainingData.Split other = TrainingData.load(c.with(TrainConfig.SEED, 7), wb.db());
      assertThat(other.train()).isNotEqualTo(a.train());
      JsonNode first = a.train().get(0);
      assertThat(first.get("messages").get(0).has("role")).isTrue();
    }
  }

  @Test
  void preferenceRowsBecomePromptChosenRejected() {
    List<JsonNode> pairs = TrainingData.readFile(Path.of("samples/prefs-kindness.jsonl"),
        ai.temper.engine.data.DatasetKind.PREFERENCE);
    assertThat(pairs).hasSize(50);
    JsonNode p = pairs.get(0);
    assertThat(p.get("prompt").get(0).get("role").asText()).isEqualTo("user");
    assertThat(p.get("chosen").get(0).get("role").asText()).isEqualTo("assistant");
    assertThat(p.get("rejected")).hasSize(1);
  }

  @Test
  void wrongKindsAndBadCountsNameTheSource() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      assertThatThrownBy(() -> TrainingData.load(TrainConfig.defaults(TrainKind.DPO)
          .withSets(List.of("model_name_or_path=m",
              "dataset_mixer_list=samples/chat-stories.jsonl,1.0")), wb.db()))
          .hasMessageContaining("chat-stories.jsonl holds messages rows")
          .hasMessageContaining("preference");
      assertThatThrownBy(() -> TrainingData.load(TrainConfig.defaults(TrainKind.SFT)
          .withSets(List.of("model_name_or_path=m",
              "dataset_mixer_list=samples/chat-stories.jsonl,500")), wb.db()))
          .hasMessageContaining("asks for 500 examples").hasMessageContaining("has 50");
      Path bad = home.resolve("bad.jsonl");
      Files.writeString(bad, "{\"text\": \"fine\"}\n{\"text\": \n");
      assertThatThrownBy(() -> TrainingData.load(TrainConfig.defaults(TrainKind.PRETRAIN)
          .withSets(List.of("dataset_mixer_list=" + bad + ",1.0")), wb.db()))
          .hasMessageContaining(bad + ":2");
    }
  }
}
