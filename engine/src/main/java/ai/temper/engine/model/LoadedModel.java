package ai.temper.engine.model;

import ai.temper.engine.tokenizer.Tokenizer;

/**
 * A model ready to run: its shape, weights, tokenizer and chat template (null when the
 * checkpoint has none).
 */
public record LoadedModel(LlamaConfig config, LlamaModel model, Tokenizer tokenizer,
    String chatTemplate) implements AutoCloseable {

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
