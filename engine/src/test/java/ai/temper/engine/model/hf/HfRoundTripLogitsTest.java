package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.Devices;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.StateDict;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny random Llama with GQA, an untied head and q/k/v bias (the Qwen2 shape), written as a
 * Hugging Face directory and read back, gives identical logits in the engine's model; and
 * those agree with the reference forward pass, which matches transformers.
 */
class HfRoundTripLogitsTest {
  @TempDir Path tmp;

  static float[] logits(LlamaModel m, long[] ids) {
    try (NDManager nm = Devices.newManager()) {
      return m.forward(nm.create(ids, new Shape(1, ids.length)), null).toFloatArray();
    }
  }

  @Test
  void writtenAndReadBackModelGivesIdenticalLogits() {
    LlamaConfig c = TinyLlamas.qwenLike(512);
    StateDict w = TinyLlamas.random(c, 42);
    Path dir = tmp.resolve("qwen-like");
    HfCheckpoint.write(dir, c, w, null, null, null);
    long[] ids = {1, 403, 407, 261, 378, 17, 300};
    float[] before;
    try (LlamaModel m = LlamaModel.create(c, w)) {
      before = logits(m, ids);
    }
    Checkpoint back = HfCheckpoint.read(dir);
    float[] after;
    try (LlamaModel m = LlamaModel.create(back)) {
      after = logits(m, ids);
    }
    assertThat(after).containsExactly(before);

    int[] intIds = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      intIds[i] = (int) ids[i];
    }
    float[][] ref = ReferenceLlama.logits(c, w, intIds);
    for (int t = 0; t < ids.length; t++) {
      for (int v = 0; v < 512; v++) {
        assertThat(after[t * 512 + v]).isCloseTo(ref[t][v], within(1e-4f));
      }
    }
  }
}
