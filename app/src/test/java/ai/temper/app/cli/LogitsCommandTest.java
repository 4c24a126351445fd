package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.Llama2cTokenizerConverter;
import ai.temper.engine.model.hf.ReferenceLlama;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogitsCommandTest {
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  @TempDir Path tmp;

  @Test
  void printsLogitsAndWritesJsonForTheComparisonScript() throws Exception {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    LlamaConfig c = LlamaConfig.llama(512, 16, 32, 1, 2, 1, 64, true);
    Random r = new Random(1);
    StateDict w = new StateDict();
    for (Map.Entry<String, long[]> e : HfCheckpoint.expectedShapes(c).entrySet()) {
      long n = 1;
      for (long s : e.getValue()) {
        n *= s;
      }
      float[] d = new float[(int) n];
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) r.nextGaussian() * 0.3f;
      }
      w.put(e.getKey(), new Tensor(e.getValue(), d));
    }
    Path dir = tmp.resolve("m");
    HfCheckpoint.write(dir, c, w, Llama2cTokenizerConverter.convert(TOK), null, null);
    Path out = tmp.resolve("logits.json");
    CliRunner.Result res = CliRunner.run("--home", tmp.resolve("home").toString(), "logits",
        "--model", dir.toString(), "--max-new-tokens", "4", "--out", out.toString());
    assertThat(res.code()).as(res.err()).isZero();
    assertThat(res.out()).contains("prompt ids: [1, 403, 407, 261, 378]").contains("greedy ids:");
    JsonNode j = new ObjectMapper().readTree(out.toFile());
    assertThat(j.get("logits")).hasSize(5);
    assertThat(j.get("logits").get(0)).hasSize(512);
    assertThat(j.get("greedy").size()).isBetween(6, 9);
    assertThat(tmp.resolve("home")).doesNotExist(); // no database opened

    // the independent plain-Java forward (test code) gives the same logits and greedy tokens
    int[] ids = {1, 403, 407, 261, 378};
    float[][] reference = ReferenceLlama.logits(c, w, ids);
    for (int t = 0; t < 5; t++) {
      for (int v = 0; v < 512; v++) {
        assertThat(j.get("logits").get(t).get(v).asDouble())
            .isCloseTo(reference[t][v], within(1e-4));
      }
    }
    int[] greedy = ReferenceLlama.greedy(c, w, ids, ids.length + 4, Set.of(2));
    assertThat(j.get("greedy")).hasSize(greedy.length);
    for (int i = 0; i < greedy.length; i++) {
      assertThat(j.get("greedy").get(i).asInt()).as("greedy token %d", i).isEqualTo(greedy[i]);
    }
  }
}
