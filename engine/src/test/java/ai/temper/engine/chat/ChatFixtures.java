package ai.temper.engine.chat;

import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.Llama2cToHf;
import ai.temper.engine.model.hf.Llama2cVocab;
import java.nio.file.Path;
import java.util.Random;

/** stories260K written as Hugging Face folders, optionally with its weights perturbed. */
final class ChatFixtures {
  private ChatFixtures() {}

  /**
   * Writes stories260K to {@code dir} (atomically, as trainers save checkpoints) with
   * Gaussian noise of std {@code noise} added to every weight (0: an exact copy).
   */
  static Path hfCopy(Path dir, double noise, long seed) {
    Checkpoint c = Llama2cCheckpoint.read(Stories260K.MODEL);
    LlamaConfig k = c.config();
    StateDict sd = new StateDict();
    Random rng = new Random(seed);
    c.weights().asMap().forEach((name, t) -> {
      float[] data = t.data().clone();
      if (noise > 0) {
        for (int i = 0; i < data.length; i++) {
          data[i] += (float) (rng.nextGaussian() * noise);
        }
      }
      sd.put(name, new Tensor(t.shape(), data));
    });
    Llama2cToHf.write(dir, new Checkpoint(k, sd, null, null, c.source()),
        Llama2cVocab.read(Stories260K.TOKENIZER), DType.F32);
    return dir;
  }
}
