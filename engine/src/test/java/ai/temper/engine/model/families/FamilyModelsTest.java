package ai.temper.engine.model.families;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.Devices;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.model.DecodeSession;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.families.Families.Family;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every family, from a folder of random weights in its published config's shape: the engine's
 * training forward and its decoder (fast where the variant allows, else the forward session)
 * agree with the independent reference forward in float32: greedy tokens exactly, logits to
 * float rounding. Saving the model and reading it back gives the same logits bit for bit.
 */
class FamilyModelsTest {
  static final int[] PROMPT = {1, 17, 99, 300, 42};
  static final int TOTAL = 12;
  static final double TOL = 2e-4;
  /**
   * Decoding a few rows of a 16-bit model runs its products in float16 (inputs rounded to 11
   * significant bits, unit roundoff 4.9e-4): a few such roundings through the layers.
   */
  static final double HALF_TOL = 4e-3;

  @TempDir Path tmp;

  @BeforeAll
  static void threads() {
    TorchRuntime.configure(1);
  }

  static List<Family> families() {
    return Families.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void forwardAndDecodingAgreeWithTheReference(Family f) {
    Path dir = tmp.resolve(f.name());
    Map<String, Tensor> w = Families.writeFolder(dir, f.config(), 42);
    int[] greedy = Families.referenceGreedy(f.config(), w, PROMPT, TOTAL);
    double[][] ref = Families.referenceLogits(f.config(), w, greedy);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir);
    try (LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      float[][] fwd = forward(model, greedy, m);
      for (int t = 0; t < TOTAL; t++) {
        assertClose(f + " forward, position " + t, fwd[t], ref[t]);
      }
      // decoding: prefill the prompt, then feed the argmax token by token
      try (DecodeSession s = model.newSession(1, TOTAL)) {
        float[] lg = s.prefill(new int[][] {PROMPT}, null, m, false).toFloatArray();
        int[] seq = Arrays.copyOf(PROMPT, TOTAL);
        for (int n = PROMPT.length; n < TOTAL; n++) {
          assertClose(f + " decode, position " + (n - 1), lg, ref[n - 1]);
          seq[n] = argmax(lg);
          if (n + 1 < TOTAL) {
            lg = s.step(new int[] {seq[n]}, m).toFloatArray();
          }
        }
        assertThat(seq).as(f + " greedy tokens").containsExactly(greedy);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void paddedRowsDecodeLikeEachRowAlone(Family f) {
    Map<String, Tensor> w = Families.randomWeights(f.config(), 7);
    Path dir = tmp.resolve(f.name());
    Families.writeFolder(dir, f.config(), 7);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir);
    int[] a = {1, 5, 9, 13, 17, 21};
    int[] b = {1, 40, 41};
    double[][] refA = Families.referenceLogits(f.config(), w, new int[] {1, 5, 9, 13, 17, 21, 7});
    double[][] refB = Families.referenceLogits(f.config(), w, new int[] {1, 40, 41, 7});
    try (LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager();
        DecodeSession s = model.newSession(2, 8)) {
      s.prefill(new int[][] {a, {0, 0, 0, 1, 40, 41}},
          new boolean[][] {all(6), {false, false, false, true, true, true}}, m, false);
      float[] both = s.step(new int[] {7, 7}, m).toFloatArray();
      int v = c.config().vocabSize();
      assertClose(f + " row a", Arrays.copyOfRange(both, 0, v), refA[6]);
      assertClose(f + " row b (left-padded)", Arrays.copyOfRange(both, v, 2 * v), refB[3]);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void aSavedFolderReadsBackWithIdenticalLogits(Family f) {
    Path dir = tmp.resolve(f.name());
    Families.writeFolder(dir, f.config(), 3);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir);
    Path saved = tmp.resolve(f.name() + "-saved");
    try (LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      HfCheckpoint.write(saved, model.config(), model.toStateDict(), null, null, null);
      HfCheckpoint.Contents back = HfCheckpoint.readContents(saved);
      assertThat(back.config()).isEqualTo(c.config());
      try (LlamaModel again = LlamaModel.create(back.config(), back.weights())) {
        float[][] before = forward(model, PROMPT, m);
        float[][] after = forward(again, PROMPT, m);
        for (int t = 0; t < PROMPT.length; t++) {
          assertThat(after[t]).as(f + " position " + t).containsExactly(before[t]);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void bf16CheckpointsComputeTheReferenceOfTheirStoredWeights(Family f) {
    Path dir = tmp.resolve(f.name() + "-bf16");
    Map<String, Tensor> stored = Families.writeFolder(dir, f.config(), 5, DType.BF16);
    double[][] ref = Families.referenceLogits(f.config(), stored, PROMPT);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir);
    try (LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      float[][] got = forward(model, PROMPT, m);
      for (int t = 0; t < PROMPT.length; t++) {
        assertClose(f + " bf16 folder, position " + t, got[t], ref[t]);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void bf16FoldersStayHalfInMemoryAndDecodeTheReference(Family f) {
    Path dir = tmp.resolve(f.name() + "-bf16-stored");
    Map<String, Tensor> stored = Families.writeFolder(dir, f.config(), 6, DType.BF16);
    int[] greedy = Families.referenceGreedy(f.config(), stored, PROMPT, TOTAL);
    double[][] ref = Families.referenceLogits(f.config(), stored, greedy);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir, true);
    try (LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      assertThat(model.halfWeights()).as("matrices kept in 16 bits").isTrue();
      assertThat(model.parameter("model.layers.0.mlp.down_proj.weight").getDataType())
          .isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
      float[][] fwd;
      try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter()) {
        fwd = forward(model, greedy, m);
      }
      for (int t = 0; t < TOTAL; t++) {
        assertClose(f + " half weights, forward, position " + t, fwd[t], ref[t]);
      }
      try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter();
          DecodeSession s = model.newSession(1, TOTAL)) {
        float[] lg = s.prefill(new int[][] {PROMPT}, null, m, false).toFloatArray();
        int[] seq = Arrays.copyOf(PROMPT, TOTAL);
        for (int n = PROMPT.length; n < TOTAL; n++) {
          assertClose(f + " half weights, decode, position " + (n - 1), lg, ref[n - 1],
              HALF_TOL);
          seq[n] = argmax(lg);
          if (n + 1 < TOTAL) {
            lg = s.step(new int[] {seq[n]}, m).toFloatArray();
          }
        }
        assertThat(seq).as(f + " greedy tokens from half weights").containsExactly(greedy);
      }
    }
  }

  /**
   * A float16 product of a decoding step whose result leaves float16's range (here a head row
   * of 60000s, so the logit of token 0 is far beyond 65504) is computed again from the widened
   * weight: one-row decoding steps give the finite logits of a forward pass, which never takes
   * the float16 path; a forward of as few rows as a step is not a decoding step and gives the
   * longer forward's logits to float32 rounding.
   */
  @org.junit.jupiter.api.Test
  void aHalfProductBeyondFloat16RangeFallsBackToFloat32() {
    Family f = Families.llama32();
    Path dir = tmp.resolve("overflow");
    Families.writeFolder(dir, f.config(), 5, DType.BF16);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir, true);
    int[] ids = {1, 17, 99, 300, 42, 7, 8, 9, 10, 11, 12, 13};
    int n = PROMPT.length;
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter();
        LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      String head = c.config().tieWordEmbeddings() ? "model.embed_tokens.weight"
          : "lm_head.weight";
      NDArray w = model.parameter(head);
      assertThat(w.getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
      w.set(new ai.djl.ndarray.index.NDIndex("0"), 60000f);
      float[][] longer = forward(model, ids, m);
      float[][] shortForward = forward(model, Arrays.copyOf(ids, 1), m);
      double[] others = new double[longer[0].length - 1];
      for (int i = 0; i < others.length; i++) {
        others[i] = longer[0][i + 1];
      }
      // float32 rounding only (float16 products would miss by about 1e-3 of the scale)
      assertClose("a one-row forward is no decoding step",
          Arrays.copyOfRange(shortForward[0], 1, shortForward[0].length), others);
      float[][] steps = new float[n][];
      try (DecodeSession s = model.newSession(1, TOTAL)) {
        steps[0] = s.prefill(new int[][] {{ids[0]}}, null, m, false).toFloatArray();
        for (int t = 1; t < n; t++) {
          steps[t] = s.step(new int[] {ids[t]}, m).toFloatArray();
        }
      }
      float largest = 0;
      for (int t = 0; t < n; t++) {
        largest = Math.max(largest, Math.abs(longer[t][0]));
      }
      assertThat(largest).as("token 0's largest logit").isGreaterThan(65504f * 2);
      for (int t = 0; t < n; t++) {
        for (float v : steps[t]) {
          assertThat(Float.isFinite(v)).as("finite logits at " + t).isTrue();
        }
        // the other tokens' logits as a float16 decode gives them; token 0's error is the
        // hidden state's float16 rounding times the 60000s, so it is held to its own scale
        double[] want = new double[longer[t].length - 1];
        for (int i = 0; i < want.length; i++) {
          want[i] = longer[t][i + 1];
        }
        assertClose("position " + t, Arrays.copyOfRange(steps[t], 1, steps[t].length), want,
            HALF_TOL);
        assertThat((double) steps[t][0]).as("token 0's logit at " + t)
            .isCloseTo(longer[t][0], org.assertj.core.data.Offset.offset(2e-2 * largest));
      }
    }
  }

  /**
   * A 16-bit model decodes through the forward session, each layer's temporaries freed with
   * the layer: its steps leave no arrays behind (the masks and RoPE tables a step makes go
   * with the step, the cache's old entries with the new ones).
   */
  @org.junit.jupiter.api.Test
  void forwardSessionStepsLeaveNoArraysBehind() {
    Path dir = tmp.resolve("steps");
    Families.writeFolder(dir, Families.gemma2().config(), 11, DType.BF16);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir, true);
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter();
        LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager();
        DecodeSession s = model.newSession(2, 40)) {
      assertThat(model.fastDecodes(40)).isFalse();
      s.prefill(new int[][] {PROMPT, PROMPT}, null, m, false);
      for (int i = 0; i < 3; i++) {
        s.step(new int[] {7 + i, 9 + i}, m).close();
      }
      int before = model.manager().getManagedArrays().size();
      for (int i = 0; i < 20; i++) {
        s.step(new int[] {11 + i, 13 + i}, m).close();
      }
      assertThat(model.manager().getManagedArrays().size()).isEqualTo(before);
    }
  }

  /**
   * A decoding session's prefill frees each layer's temporaries as it goes: the arrays alive
   * when the last layer runs are those of the first plus the layers' cache entries, not a
   * layer's worth of temporaries more per layer (a prefill of a 0.5B model held 2 GB of them until it ended). Observed by an
   * adapter on o_proj that counts the arrays alive each time a layer calls it.
   */
  @org.junit.jupiter.api.Test
  void aPrefillFreesEachLayersTemporariesAsItGoes() {
    com.fasterxml.jackson.databind.node.ObjectNode cfg = Families.llama32().config().deepCopy();
    cfg.put("num_hidden_layers", 6);
    Path dir = tmp.resolve("six-layers");
    Families.writeFolder(dir, cfg, 13, DType.BF16);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir, true);
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter();
        LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      List<Integer> alive = new java.util.ArrayList<>();
      for (int l = 0; l < 6; l++) {
        model.setAdapter("model.layers." + l + ".self_attn.o_proj.weight",
            new ai.temper.engine.model.LinearAdapter() {
              @Override
              public NDArray forward(NDArray x) {
                alive.add(model.manager().getManagedArrays().size());
                return x.zerosLike();
              }

              @Override
              public NDArray weightDelta() {
                throw new UnsupportedOperationException();
              }
            });
      }
      int[] prompt = {1, 17, 99, 300, 42, 7, 8, 9, 10, 11, 12, 13};
      try (DecodeSession s = model.newSession(2, 16)) {
        s.prefill(new int[][] {prompt, prompt}, null, m, false);
      }
      assertThat(alive).hasSize(6);
      // each layer adds its cache entries (keys, values), not its temporaries (about 60 here)
      assertThat(alive.get(5) - alive.get(0)).as("arrays alive, layer by layer: " + alive)
          .isLessThanOrEqualTo(3 * 5 + 3);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void aHalfModelSavedInItsStoredDtypeReloadsWithIdenticalLogits(Family f) {
    Path dir = tmp.resolve(f.name() + "-bf16-roundtrip");
    Families.writeFolder(dir, f.config(), 8, DType.BF16);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir, true);
    Path saved = tmp.resolve(f.name() + "-bf16-saved");
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter();
        LlamaModel model = LlamaModel.create(c.config(), c.weights());
        NDManager m = Devices.newManager()) {
      HfCheckpoint.write(saved, model.config(), model.toStateDict(), null, null, null,
          DType.BF16);
      assertThat(HfCheckpoint.storedDtype(saved)).isEqualTo(DType.BF16);
      HfCheckpoint.Contents back = HfCheckpoint.readContents(saved, true);
      try (LlamaModel again = LlamaModel.create(back.config(), back.weights())) {
        assertThat(again.halfWeights()).isTrue();
        float[][] before = forward(model, PROMPT, m);
        float[][] after = forward(again, PROMPT, m);
        for (int t = 0; t < PROMPT.length; t++) {
          assertThat(after[t]).as(f + " position " + t).containsExactly(before[t]);
        }
      }
    }
  }

  static float[][] forward(LlamaModel model, int[] ids, NDManager m) {
    int[] copy = ids.clone();
    NDArray logits = model.forward(m.create(copy, new Shape(1, copy.length)), null);
    int v = model.config().vocabSize();
    float[] flat = logits.toFloatArray();
    float[][] out = new float[ids.length][];
    for (int t = 0; t < ids.length; t++) {
      out[t] = Arrays.copyOfRange(flat, t * v, (t + 1) * v);
    }
    return out;
  }

  static void assertClose(String what, float[] got, double[] want) {
    assertClose(what, got, want, TOL);
  }

  static void assertClose(String what, float[] got, double[] want, double tol) {
    assertThat(got).as(what).hasSize(want.length);
    double worst = 0;
    double scale = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    assertThat(worst).as(what + ": max |engine - reference| (logits up to " + scale + ")")
        .isLessThanOrEqualTo(tol * Math.max(1, scale));
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  static boolean[] all(int n) {
    boolean[] b = new boolean[n];
    Arrays.fill(b, true);
    return b;
  }

  static LlamaConfig configOf(Family f) {
    return LlamaConfig.fromJson(f.config(), f.name());
  }
}
