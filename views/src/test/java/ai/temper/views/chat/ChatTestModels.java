package ai.temper.views.chat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.Llama2cToHf;
import ai.temper.engine.model.hf.Llama2cVocab;
import ai.temper.engine.models.ScratchModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Models for the chat tests: stories260K from ../shared, copies of it, random models. */
final class ChatTestModels {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path TOKENIZER = Path.of("../shared/models/stories260K/tok512.bin");

  private ChatTestModels() {}

  static void assumeStories() {
    assumeTrue(Files.exists(STORIES) && Files.exists(TOKENIZER),
        "../shared/models/stories260K is absent: skipping");
  }

  /** stories260K as a Hugging Face folder with Gaussian noise of std {@code noise} added. */
  static Path perturbedCopy(Path dir, double noise, long seed) {
    Checkpoint c = Llama2cCheckpoint.read(STORIES);
    StateDict sd = new StateDict();
    Random rng = new Random(seed);
    c.weights().asMap().forEach((name, t) -> {
      float[] data = t.data().clone();
      for (int i = 0; i < data.length; i++) {
        data[i] += (float) (rng.nextGaussian() * noise);
      }
      sd.put(name, new Tensor(t.shape(), data));
    });
    Llama2cToHf.write(dir, new Checkpoint(c.config(), sd, null, null, c.source()),
        Llama2cVocab.read(TOKENIZER), DType.F32);
    return dir;
  }

  /**
   * A randomly initialised model with stories260K's tokenizer: {@code hidden} wide,
   * {@code layers} deep, 1024 positions (room for 500-token replies).
   */
  static Path randomModel(Path dir, int hidden, int layers, long seed) {
    LlamaConfig config = new LlamaConfig(LlamaConfig.LLAMA, 512, hidden, hidden * 8 / 3,
        layers, hidden / 64, hidden / 64, 1024, 1e-5, 10000.0, null, true, false, 1, 2, 64);
    StateDict sd = ScratchModel.initialise(config, seed, JobContext.none());
    Llama2cToHf.write(dir, new Checkpoint(config, sd, null, null, dir.toString()),
        Llama2cVocab.read(TOKENIZER), DType.F32);
    return dir;
  }
}
