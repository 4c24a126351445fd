package ai.temper.engine.models;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import java.nio.file.Path;

/**
 * Writes a new model as a Hugging Face folder: config.json, model.safetensors and the
 * tokenizer files of the model it takes its tokenizer from (a llama2.c tokenizer converted to
 * tokenizer.json).
 */
final class ScratchWriter {
  private ScratchWriter() {}

  static void write(Path dir, LlamaConfig config, StateDict weights, ModelInspection tokenizerFrom) {
    // Wired to HfCheckpoint.write once the Hugging Face I/O lands in main.
    throw new TemperException("Writing Hugging Face checkpoints is not available in this build "
        + "yet; creating a model from scratch needs it.");
  }
}
