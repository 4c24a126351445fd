package ai.temper.engine.model;

import ai.temper.engine.TemperException;
import java.util.Locale;

/** How a model is stored on disk; {@link #id()} is the name kept in the models table. */
public enum ModelFormat {
  /** A Hugging Face directory: config.json, *.safetensors, tokenizer files. */
  HF,
  /** A llama2.c checkpoint file, with its tokenizer in a separate file. */
  LLAMA2C,
  /** A PEFT (LoRA) adapter directory: adapter_config.json, adapter_model.safetensors. */
  PEFT;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format stored as {@code id} ("hf", "llama2c", "peft"). */
  public static ModelFormat of(String id) {
    for (ModelFormat f : values()) {
      if (f.id().equalsIgnoreCase(id)) {
        return f;
      }
    }
    throw new TemperException("Unknown model format '" + id + "' (hf, llama2c or peft)");
  }

  @Override
  public String toString() {
    return id();
  }
}
