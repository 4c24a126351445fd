package ai.temper.engine.model;

import ai.temper.engine.LowercaseId;

/** How a model is stored on disk; {@link #id()} is the name kept in the models table. */
public enum ModelFormat implements LowercaseId {
  /** A Hugging Face directory: config.json, *.safetensors, tokenizer files. */
  HF,
  /** A llama2.c checkpoint file, with its tokenizer in a separate file. */
  LLAMA2C,
  /** A PEFT (LoRA) adapter directory: adapter_config.json, adapter_model.safetensors. */
  PEFT;

  /** The format stored as {@code id} ("hf", "llama2c", "peft"). */
  public static ModelFormat of(String id) {
    return LowercaseId.parse(ModelFormat.class, id, "model format");
  }

  @Override
  public String toString() {
    return id();
  }
}
