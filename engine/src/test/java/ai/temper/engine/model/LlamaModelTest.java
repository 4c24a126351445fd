package ai.temper.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LlamaModelTest {

  /** A tiny Qwen2-like shape: grouped-query attention, untied head, q/k/v bias. */
  static LlamaConfig tinyGqa() {
    return new LlamaConfig(LlamaConfig.QWEN2, 97, 32, 48, 2, 4, 2, 64, 1e-6, 10000.0, null,
        false, true, 1, 2, 8);
  }

  @Test
  void fastDecodingMatchesTrainingForwardOnStories260K() {
    Stories260K.assumePresent();
    try (LlamaModel model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL))) {
      assertFastMatchesForward(model, 2e-4f);
    }
  }

  @Test
  void fastDecodingMatchesTrainingForwardOnTinyGqaModel() {
    try (LlamaModel model = LlamaModel.random(tinyGqa(), 7)) {
      assertFastMatchesForward(model, 2e-4f);
    }
  }

  /** Prefill of 5 tokens then 4 single steps equals one full forward over the 9 tokens. */
  static void assertFastMatchesForward(LlamaModel model, float tol) {
    int[] ids = {1, 45, 7, 300 % model.config().vocabSize(), 12, 9, 33, 20, 5};
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray input = m.create(ids, new Shape(1, ids.length));
      float[] full = model.forward(input, null).toFloatArray();
      int v = model.config().vocabSize();
      try (DecodeSession s = model.newSession(1, 16)) {
        int[][] prompt = {java.util.Arrays.copyOf(ids, 5)};
        float[] pre = s.prefill(prompt, null, m, true).toFloatArray();
        assertClose(pre, java.util.Arrays.copyOfRange(full, 0, 5 * v), tol);
        for (int i = 5; i < ids.length; i++) {
          float[] step = s.step(new int[] {ids[i]}, m).toFloatArray();
          assertClose(step, java.util.Arrays.copyOfRange(full, i * v, (i + 1) * v), tol);
        }
      }
    }
  }

  static void assertClose(float[] a, float[] b, float tol) {
    assertThat(a).hasSameSizeAs(b);
    float worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertThat(worst).as("max abs difference").isLessThanOrEqualTo(tol);
  }
}
