package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import org.junit.jupiter.api.Test;

/**
 * The plain-Java forward against numbers transformers 5.17 printed for the same tiny random
 * models, written by HfCheckpoint and loaded with AutoModelForCausalLM (float32, CPU) through
 * samples/tools/check_hf_dir.py. Guards the exported layout (names, rotate-half RoPE, GQA,
 * bias, tied/untied head) without needing Python in CI.
 */
class ReferenceLlamaTest {
  static final int[] IDS = {1, 403, 407, 261, 378};

  static void assertLogits(LlamaConfig c, float[] lastFirst6, float[] firstFirst3) {
    StateDict w = TinyLlamas.random(c, 42);
    float[][] lg = ReferenceLlama.logits(c, w, IDS);
    for (int i = 0; i < 6; i++) {
      assertThat(lg[IDS.length - 1][i]).isCloseTo(lastFirst6[i], within(2e-5f));
    }
    for (int i = 0; i < 3; i++) {
      assertThat(lg[0][i]).isCloseTo(firstFirst3[i], within(2e-5f));
    }
  }

  @Test
  void qwen2WithGqaBiasAndUntiedHeadMatchesTransformers() {
    assertLogits(TinyLlamas.qwenLike(512),
        new float[] {1.172276f, -0.247662f, 1.05483f, 2.510017f, 2.972843f, 0.705149f},
        new float[] {-1.937104f, -0.70577f, 2.459064f});
  }

  @Test
  void tiedLlamaMatchesTransformers() {
    assertLogits(TinyLlamas.llamaTied(512),
        new float[] {0.49519f, -1.144396f, -0.193483f, 0.880339f, 0.761019f, 0.960296f},
        new float[] {0.687059f, -0.19294f, 1.281049f});
  }

  @Test
  void greedyWithCacheEqualsArgmaxOfFullRecompute() {
    LlamaConfig c = TinyLlamas.qwenLike(512);
    StateDict w = TinyLlamas.random(c, 42);
    int[] seq = ReferenceLlama.greedy(c, w, IDS, 12, -1);
    assertThat(seq).hasSize(12).startsWith(IDS);
    float[][] all = ReferenceLlama.logits(c, w, java.util.Arrays.copyOf(seq, 11));
    for (int t = IDS.length - 1; t < 11; t++) {
      assertThat(seq[t + 1]).isEqualTo(ReferenceLlama.argmax(all[t]));
    }
  }
}
