package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The trap behind sporadic NaN gradients: DJL makes a Java number operand a temporary tensor
 * over a Java buffer and frees it after the op, but autograd keeps it for backward. Gradients
 * through LoRA and the DPO / reward losses must stay exact even when the garbage collector runs
 * between forward and backward and the freed memory is reused.
 */
class ScalarOperandTest {
  /** The gradient of {@code f(w)} w.r.t. w, with a GC and native-memory churn before backward. */
  private static float[] gradient(NDArray w, Function<NDArray, NDArray> f, boolean churn) {
    try (NDScope s = new NDScope(); NDManager nd = Devices.newManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray x = nd.create(new float[] {0.3f, -1.2f, 0.7f, 2.0f}, new Shape(2, 2));
      NDArray loss = f.apply(x.matMul(w));
      if (churn) {
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int j = 0; j < 4000; j++) {
          junk.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
        }
      }
      gc.backward(loss);
    }
    float[] g = w.getGradient().toFloatArray();
    JniUtils.zeroGrad((PtNDArray) w);
    return g;
  }

  private static void exactUnderChurn(Function<NDArray, NDArray> f) {
    try (NDManager m = Devices.newManager(); NoGrad ng = NoGrad.enter()) {
      NDArray w = m.create(new float[] {0.5f, -0.25f, 1.5f, 0.75f}, new Shape(2, 2));
      w.setRequiresGradient(true);
      float[] reference = gradient(w, f, false);
      for (int i = 0; i < 10; i++) {
        assertThat(gradient(w, f, true)).as("attempt " + i).containsExactly(reference);
      }
    }
  }

  @Test
  void loraAdapterGradientsSurviveGarbageCollection() {
    try (NDManager m = Devices.newManager()) {
      LoraAdapter lora = new LoraAdapter(m.create(new float[] {1, 2}, new Shape(1, 2)),
          m.create(new float[] {0.5f, -1}, new Shape(2, 1)), 3.0, 0.0);
      exactUnderChurn(h -> lora.forward(h).sum());
    }
  }

  @Test
  void preferenceAndRewardLossGradientsSurviveGarbageCollection() {
    exactUnderChurn(h -> {
      NDArray c = h.get(0);
      NDArray r = h.get(1);
      NDArray len = r.getManager().create(new float[] {2, 3});
      return Losses.preference("dpo", c, r, c.mul(c), r.mul(r), len, len, 0.7, 0.1, 0.3).loss();
    });
    exactUnderChurn(h -> Losses.bradleyTerry(h.get(0), h.get(1), 0.2, 0.05));
  }

  @Test
  void llamaTrainingForwardGradientsSurviveGarbageCollection() {
    LlamaConfig c = LlamaConfig.llama(32, 16, 32, 1, 2, 1, 16, true);
    try (NoGrad ng = NoGrad.enter(); LlamaModel model = LlamaModel.random(c, 5)) {
      NDArray w = model.parameter("model.layers.0.self_attn.q_proj.weight");
      w.setRequiresGradient(true);
      float[] reference = llamaGradient(model, w, false);
      for (int i = 0; i < 10; i++) {
        assertThat(llamaGradient(model, w, true)).as("attempt " + i).containsExactly(reference);
      }
    }
  }

  private static float[] llamaGradient(LlamaModel model, NDArray w, boolean churn) {
    try (NDScope s = new NDScope(); NDManager nd = Devices.newManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray ids = nd.create(new long[] {1, 5, 9, 3, 7, 2}, new Shape(1, 6));
      NDArray loss = model.forward(ids, null).logSoftmax(-1).sum();
      if (churn) {
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int j = 0; j < 4000; j++) {
          junk.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
        }
      }
      gc.backward(loss);
    }
    float[] g = w.getGradient().toFloatArray();
    JniUtils.zeroGrad((PtNDArray) w);
    return g;
  }
}
