package ai.temper.engine.model.families;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.generate.FinishReason;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.generate.TokenListener;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.families.Families.Family;
import ai.temper.engine.model.hf.HfCheckpoint;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation stops at any of config.json's EOS ids (Llama 3 instruct lists several), not only
 * the first: on the fast decoder (Llama 3.2) and on the forward session (Gemma 3).
 */
class GenerationStopsTest {
  @TempDir Path tmp;

  @BeforeAll
  static void threads() {
    TorchRuntime.configure(1);
  }

  @Test
  void greedyGenerationStopsAtASecondaryEosId() {
    for (Family f : List.of(Families.llama32(), Families.gemma3())) {
      int[] prompt = FamilyModelsTest.PROMPT;
      Map<String, Tensor> w = Families.randomWeights(f.config(), 42);
      int[] greedy = Families.referenceGreedy(f.config(), w, prompt, prompt.length + 8);
      // the first new token after the first that was not generated before becomes an EOS id
      int stopAt = -1;
      for (int i = prompt.length + 1; i < greedy.length && stopAt < 0; i++) {
        boolean seen = greedy[i] == 2;
        for (int j = prompt.length; j < i; j++) {
          seen |= greedy[j] == greedy[i];
        }
        stopAt = seen ? -1 : i;
      }
      assertThat(stopAt).as(f.name() + ": a fresh token on the greedy path " +
          Arrays.toString(greedy)).isPositive();
      int eos = greedy[stopAt];
      ObjectNode config = f.config().deepCopy();
      config.putArray("eos_token_id").add(2).add(eos);
      Path dir = tmp.resolve(f.name());
      Families.writeFolder(dir, config, 42);
      HfCheckpoint.Contents c = HfCheckpoint.readContents(dir);
      try (LlamaModel model = LlamaModel.create(c.config(), c.weights())) {
        Generation g = new Generator(model, null).generateIds(List.of(prompt),
            SamplingParams.greedy(8), TokenListener.NONE).get(0);
        assertThat(g.completionIds()).as(f.name())
            .containsExactly(Arrays.copyOfRange(greedy, prompt.length, stopAt + 1));
        assertThat(g.finishReason()).isEqualTo(FinishReason.EOS);
      }
    }
  }
}
