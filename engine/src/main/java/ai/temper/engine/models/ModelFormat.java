package ai.temper.engine.models;

/** How a model is stored on disk; the names are those kept in the models table. */
public final class ModelFormat {
  /** A Hugging Face directory: config.json, *.safetensors, tokenizer files. */
  public static final String HF = "hf";
  /** A llama2.c checkpoint file, with its tokenizer in a separate file. */
  public static final String LLAMA2C = "llama2c";
  /** A PEFT (LoRA) adapter directory: adapter_config.json, adapter_model.safetensors. */
  public static final String PEFT = "peft";

  private ModelFormat() {}
}
