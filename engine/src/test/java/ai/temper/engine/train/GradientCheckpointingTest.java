package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * gradient_checkpointing recomputes each layer in the backward pass: the gradients must be
 * those of the ordinary backward pass, for LoRA adapters and for every weight in full training.
 */
class GradientCheckpointingTest {
  private static final LlamaConfig TINY = LlamaConfig.llama(48, 32, 64, 3, 4, 2, 32, true);

  @Test
  void loraGradientsEqualThoseWithoutCheckpointing() {
    Map<String, float[]> plain = gradients(true, false);
    Map<String, float[]> ckpt = gradients(true, true);
    assertSame(plain, ckpt);
    assertThat(plain).hasSize(3 * 7 * 2); // A and B of seven modules in three layers
  }

  @Test
  void theOutputHeadRecomputedInBlocksGivesTheSameGradients() {
    Map<String, float[]> plain = gradients(true, false);
    System.setProperty("temper.headBlockBytes", "" + 5 * 48 * 4); // blocks of 5 target rows
    try {
      assertSame(plain, gradients(true, true));
    } finally {
      System.clearProperty("temper.headBlockBytes");
    }
  }

  @Test
  void fullTrainingGradientsEqualThoseWithoutCheckpointing() {
    Map<String, float[]> plain = gradients(false, false);
    Map<String, float[]> ckpt = gradients(false, true);
    assertSame(plain, ckpt);
    assertThat(plain).containsKey("model.embed_tokens.weight"); // reached through layer 0
  }

  private static void assertSame(Map<String, float[]> plain, Map<String, float[]> ckpt) {
    assertThat(ckpt.keySet()).containsExactlyElementsOf(plain.keySet());
    int nonZero = 0;
    for (var e : plain.entrySet()) {
      float[] a = e.getValue();
      float[] b = ckpt.get(e.getKey());
      double scale = 0;
      for (float v : a) {
        scale = Math.max(scale, Math.abs(v));
      }
      nonZero += scale > 0 ? 1 : 0;
      for (int i = 0; i < a.length; i++) {
        assertThat((double) b[i]).as(e.getKey() + "[" + i + "]")
            .isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5 * Math.max(scale, 1e-3)));
      }
    }
    assertThat(nonZero).as("gradients that are not all zero").isGreaterThan(plain.size() / 2);
  }

  /** The gradients of one SFT loss on a fixed batch, by trainable array name. */
  private static Map<String, float[]> gradients(boolean lora, boolean checkpointing) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NoGrad ng = NoGrad.enter();
        TrainableModel tm = new TrainableModel(LlamaModel.random(TINY, 5))) {
      if (lora) {
        tm.addLora(TrainConfig.LORA_MODULES, 4, 8, 0.0, 3);
        // B starts at zero, which would make A's gradient zero: give B values
        for (var e : tm.trainable().entrySet()) {
          if (e.getKey().endsWith("lora_B.weight")) {
            NDArray b = e.getValue();
            float[] v = new float[(int) b.getShape().size()];
            Random r = new Random(e.getKey().hashCode());
            for (int i = 0; i < v.length; i++) {
              v[i] = (float) r.nextGaussian() * 0.1f;
            }
            b.set(v);
          }
        }
      }
      tm.model().setGradientCheckpointing(checkpointing);
      Random r = new Random(11);
      List<TokenSequence> seqs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int[] ids = new int[12 + 3 * i];
        for (int j = 0; j < ids.length; j++) {
          ids[j] = r.nextInt(TINY.vocabSize());
        }
        seqs.add(TokenSequence.allTrained(ids));
      }
      LanguageModeling objective = new LanguageModeling(tm, seqs, List.of(), 0);
      tm.setTraining(true);
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = objective.loss(new int[] {0, 1}, nd, new MetricSums());
        gc.backward(loss);
        LlamaModel.backwardCheckpointed(gc);
        for (var e : tm.trainable().entrySet()) {
          out.put(e.getKey(), e.getValue().getGradient().toFloatArray());
        }
      }
    }
    return out;
  }
}
