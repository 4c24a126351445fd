package ai.temper.engine.model;

import ai.temper.engine.tokenizer.Tokenizer;

/**
 * What a checkpoint reader hands over: the model's shape, its weights in Hugging Face names and
 * layout, and, where the format carries them, its tokenizer and chat template.
 *
 * @param config       the model shape
 * @param weights      HF-named tensors in HF's rotate-half layout
 * @param tokenizer    the tokenizer stored with the checkpoint, or null (llama2.c keeps it apart)
 * @param chatTemplate the Jinja chat template from tokenizer_config.json, or null
 * @param source       where it came from, for error messages ("path/to/model.bin")
 */
public record Checkpoint(LlamaConfig config, StateDict weights, Tokenizer tokenizer,
    String chatTemplate, String source) {

  public Checkpoint(LlamaConfig config, StateDict weights, String source) {
    this(config, weights, null, null, source);
  }
}
