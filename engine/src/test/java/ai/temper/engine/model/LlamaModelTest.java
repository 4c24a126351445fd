package ai.temper.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LlamaModelTest {

  /** A tiny Qwen2-like shape: grouped-query attention, untied head, q/k/v bias. */
  static LlamaConfig tinyGqa() {
    return new LlamaConfig(LlamaConfig.QWEN2, 97, 32, 48, 2, 4, 2, 64, 1e-6, 10000.0, null,
        false, true, 1, 2, 8);
  }

  /**
   * The same with wide heads (head_dim 64): too big for RoPE folded into the weights, so
   * decoding rotates after the matmul.
   */
  static LlamaConfig wideGqa() {
    return new LlamaConfig(LlamaConfig.QWEN2, 97, 256, 96, 2, 4, 2, 64, 1e-6, 10000.0, null,
        false, true, 1, 2, 64);
  }

  @Test
  void foldingIsChosenBySize() {
    try (LlamaModel a = LlamaModel.random(tinyGqa(), 1);
        LlamaModel b = LlamaModel.random(wideGqa(), 1)) {
      assertThat(a.fastWeights().foldedRope).isTrue();
      assertThat(b.fastWeights().foldedRope).isFalse();
    }
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
    for (LlamaConfig c : new LlamaConfig[] {tinyGqa(), wideGqa()}) {
      try (LlamaModel model = LlamaModel.random(c, 7)) {
        assertFastMatchesForward(model, 2e-4f);
      }
    }
  }

  /** Prefill of 5 tokens then 4 single steps equals one full forward over the 9 tokens. */
  static void assertFastMatchesForward(LlamaModel model, float tol) {
    int[] ids = {1, 45, 7, 300 % model.config().vocabSize(), 12, 9, 33, 20, 5};
    try (NDManager m = Devices.newManager()) {
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

  @Test
  void ropeScalingVariantsDecodeLikeTheForward() throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String scaling : new String[] {
        "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
            + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":16}",
        "{\"type\":\"linear\",\"factor\":2.0}",
        "{\"rope_type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":16}",
        "{\"rope_type\":\"dynamic\",\"factor\":2.0}"}) {
      LlamaConfig c = new LlamaConfig(LlamaConfig.LLAMA, 61, 32, 40, 2, 4, 1, 64, 1e-5, 500000.0,
          json.readTree(scaling), true, false, 1, 2, 8);
      try (LlamaModel model = LlamaModel.random(c, 3)) {
        assertFastMatchesForward(model, 2e-4f);
      }
    }
    // a type transformers does not define for these families is refused, naming the field
    assertThatThrownBy(() -> new LlamaConfig(LlamaConfig.LLAMA, 61, 32, 40, 2, 4, 1, 64, 1e-5,
        1e4, json.readTree("{\"rope_type\":\"su\",\"factor\":4.0}"), true, false, 1, 2, 8))
        .isInstanceOf(TemperException.class).hasMessageContaining("rope_scaling.rope_type")
        .hasMessageContaining("su");
  }

  @Test
  void paddedRowsGiveTheLogitsOfEachRowAlone() {
    for (LlamaConfig c : new LlamaConfig[] {tinyGqa(), wideGqa()}) {
      paddedRowsGiveTheLogitsOfEachRowAlone(c);
    }
  }

  private void paddedRowsGiveTheLogitsOfEachRowAlone(LlamaConfig c) {
    try (LlamaModel model = LlamaModel.random(c, 11);
        NDManager m = Devices.newManager()) {
      int[] a = {1, 5, 9, 13, 17};
      int[] b = {1, 40, 41};
      float[] aloneA = rowAlone(model, a, new int[] {7, 8}, m);
      float[] aloneB = rowAlone(model, b, new int[] {7, 8}, m);
      int v = model.config().vocabSize();
      // left padding for b, then right padding for b: each row's logits are unchanged
      int[][][] layouts = {
          {a, {0, 0, 1, 40, 41}}, {a, {1, 40, 41, 0, 0}}};
      boolean[][][] real = {
          {all(5), {false, false, true, true, true}}, {all(5), {true, true, true, false, false}}};
      for (int k = 0; k < 2; k++) {
        try (DecodeSession s = model.newSession(2, 16)) {
          s.prefill(layouts[k], real[k], m, false);
          float[] l1 = s.step(new int[] {7, 7}, m).toFloatArray();
          float[] l2 = s.step(new int[] {8, 8}, m).toFloatArray();
          assertClose(Arrays.copyOfRange(l2, 0, v), aloneA, 1e-4f);
          assertClose(Arrays.copyOfRange(l2, v, 2 * v), aloneB, 1e-4f);
          assertThat(l1).hasSize(2 * v);
        }
      }
    }
  }

  private static boolean[] all(int n) {
    boolean[] r = new boolean[n];
    Arrays.fill(r, true);
    return r;
  }

  /** Logits after the prompt and then the given steps, for one row alone. */
  private static float[] rowAlone(LlamaModel model, int[] prompt, int[] steps, NDManager m) {
    try (DecodeSession s = model.newSession(1, 16)) {
      s.prefill(new int[][] {prompt}, null, m, false);
      float[] last = null;
      for (int t : steps) {
        last = s.step(new int[] {t}, m).toFloatArray();
      }
      return last;
    }
  }

  @Test
  void trainingForwardHandlesLeftAndRightPadding() {
    try (LlamaModel model = LlamaModel.random(tinyGqa(), 5);
        NDManager m = Devices.newManager()) {
      int v = model.config().vocabSize();
      float[] alone = model.forward(m.create(new int[] {1, 30, 31}, new Shape(1, 3)), null)
          .toFloatArray();
      NDArray ids = m.create(new int[] {0, 0, 1, 30, 31, 1, 30, 31, 0, 0}, new Shape(2, 5));
      NDArray mask = m.create(new int[] {0, 0, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 5));
      float[] both = model.forward(ids, mask).toFloatArray();
      assertClose(Arrays.copyOfRange(both, 2 * v, 5 * v), alone, 1e-4f); // left padded
      assertClose(Arrays.copyOfRange(both, 5 * v, 8 * v), alone, 1e-4f); // right padded
      assertThat(both).doesNotContain(Float.NaN);
    }
  }

  @Test
  void gradientsReachEveryParameter() {
    try (LlamaModel model = LlamaModel.random(tinyGqa(), 9);
        NDManager m = Devices.newManager()) {
      for (NDArray p : model.parameters().values()) {
        p.setRequiresGradient(true);
      }
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = model.forward(m.create(new int[] {1, 4, 9, 16}, new Shape(1, 4)), null);
        NDArray loss = logits.logSoftmax(2).get(":, :, 3").mean().neg();
        gc.backward(loss);
      }
      for (var e : model.parameters().entrySet()) {
        float[] g = e.getValue().getGradient().toFloatArray();
        double norm = 0;
        for (float x : g) {
          norm += x * x;
        }
        assertThat(norm).as(e.getKey()).isGreaterThan(0);
      }
    }
  }

  @Test
  void refreshInferenceSeesChangedParametersAndMergedAdapters() {
    try (LlamaModel model = LlamaModel.random(tinyGqa(), 13);
        NDManager m = Devices.newManager()) {
      assertFastMatchesForward(model, 2e-4f);
      NDArray w = model.parameter("model.layers.1.mlp.up_proj.weight");
      w.addi(w.getManager().randomNormal(0, 0.3f, w.getShape(), w.getDataType()));
      model.refreshInference();
      assertFastMatchesForward(model, 2e-4f);
      NDArray delta = m.randomNormal(0, 0.2f, model.parameter(
          "model.layers.0.self_attn.q_proj.weight").getShape(), w.getDataType());
      model.setAdapter("model.layers.0.self_attn.q_proj.weight", new LinearAdapter() {
        @Override
        public NDArray forward(NDArray x) {
          return x.matMul(delta.transpose());
        }

        @Override
        public NDArray weightDelta() {
          return delta;
        }
      });
      model.refreshInference();
      assertFastMatchesForward(model, 2e-4f);
    }
  }

  @Test
  void stateDictRoundTripsAndShapesAreChecked() {
    try (LlamaModel model = LlamaModel.random(tinyGqa(), 21)) {
      StateDict sd = model.toStateDict();
      assertThat(sd.asMap()).containsKey("lm_head.weight")
          .containsKey("model.layers.1.self_attn.v_proj.bias");
      try (LlamaModel copy = LlamaModel.create(model.config(), sd)) {
        assertThat(copy.parameter("model.norm.weight").toFloatArray())
            .containsExactly(model.parameter("model.norm.weight").toFloatArray());
      }
      sd.put("model.layers.0.mlp.up_proj.weight", new Tensor(new long[] {2, 2}, new float[4]));
      assertThatThrownBy(() -> LlamaModel.create(model.config(), sd, "x/model.safetensors",
          Devices.newManager())).isInstanceOf(TemperException.class)
          .hasMessageContaining("x/model.safetensors")
          .hasMessageContaining("model.layers.0.mlp.up_proj.weight");
    }
  }
}
