package ai.temper.engine.model.hf;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Checkpoint;
import java.nio.file.Path;

/** Reads Hugging Face model directories. Placeholder until the safetensors reader lands. */
public final class HfCheckpoint {
  private HfCheckpoint() {}

  /**
   * The checkpoint in {@code dir} (config.json, model.safetensors or its sharded index,
   * tokenizer files, chat template).
   */
  public static Checkpoint read(Path dir) {
    throw new TemperException(dir + ": Hugging Face model directories are not yet supported");
  }
}
