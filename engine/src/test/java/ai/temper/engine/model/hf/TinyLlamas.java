package ai.temper.engine.model.hf;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import java.util.Map;
import java.util.Random;

/** Tiny random models for tests. */
final class TinyLlamas {
  private TinyLlamas() {}

  /** GQA (4 heads, 2 kv heads), untied head, q/k/v bias: the Qwen2 shape. */
  static LlamaConfig qwenLike(int vocab) {
    return new LlamaConfig(LlamaConfig.QWEN2, vocab, 32, 48, 2, 4, 2, 64, 1e-6, 1000000.0,
        null, false, true, 1, 2, 8);
  }

  /** A plain tied Llama. */
  static LlamaConfig llamaTied(int vocab) {
    return LlamaConfig.llama(vocab, 16, 40, 2, 4, 4, 32, true);
  }

  static StateDict random(LlamaConfig c, long seed) {
    Random r = new Random(seed);
    StateDict sd = new StateDict();
    for (Map.Entry<String, long[]> e : HfCheckpoint.expectedShapes(c).entrySet()) {
      long n = 1;
      for (long s : e.getValue()) {
        n *= s;
      }
      float[] d = new float[(int) n];
      boolean norm = e.getKey().endsWith("norm.weight");
      for (int i = 0; i < d.length; i++) {
        d[i] = norm ? 1f + 0.1f * (float) r.nextGaussian() : 0.2f * (float) r.nextGaussian();
      }
      sd.put(e.getKey(), new Tensor(e.getValue(), d));
    }
    return sd;
  }
}
