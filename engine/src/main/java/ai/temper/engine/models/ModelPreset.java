package ai.temper.engine.models;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.LlamaConfig;
import java.util.Locale;

/**
 * Shapes for a new model trained from scratch, after Karpathy's tinyllamas (llama2.c's
 * stories models). The vocabulary is the tokenizer's, so the parameter counts below hold for
 * the vocabulary named; with another tokenizer only the embedding (and head) change.
 */
public enum ModelPreset {
  /** stories260K's shape: dim 64, 5 layers, 8 heads, 4 KV heads; ~260K parameters at vocab 512. */
  TINY(64, 172, 5, 8, 4, 512, 512),
  /** stories15M's shape: dim 288, 6 layers, 6 heads; ~15M parameters at vocab 32000. */
  SMALL(288, 768, 6, 6, 6, 256, 32000),
  /** stories42M's shape: dim 512, 8 layers, 8 heads; ~42M parameters at vocab 32000. */
  MEDIUM(512, 1376, 8, 8, 8, 1024, 32000);

  public final int hidden;
  public final int intermediate;
  public final int layers;
  public final int heads;
  public final int kvHeads;
  public final int context;
  /** The vocabulary the shape was made for. */
  public final int typicalVocab;

  ModelPreset(int hidden, int intermediate, int layers, int heads, int kvHeads, int context,
      int typicalVocab) {
    this.hidden = hidden;
    this.intermediate = intermediate;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.context = context;
    this.typicalVocab = typicalVocab;
  }

  /** The lower-case name used on the command line ("tiny"). */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The config for a tokenizer of {@code vocab} tokens (tied head, like the stories models). */
  public LlamaConfig config(int vocab, int bosId, int eosId) {
    return new LlamaConfig(LlamaConfig.LLAMA, vocab, hidden, intermediate, layers, heads,
        kvHeads, context, 1e-5, 10000.0, null, true, false, bosId, eosId, hidden / heads);
  }

  /** One line for menus and --help: the shape and its size at its typical vocabulary. */
  public String describe() {
    long params = config(typicalVocab, 1, 2).parameterCount();
    return id() + ": dim " + hidden + ", " + layers + " layers, " + heads + " heads ("
        + kvHeads + " KV), context " + context + "; " + Sizes.parameters(params)
        + " parameters at vocab " + typicalVocab;
  }

  public static ModelPreset parse(String s) {
    for (ModelPreset p : values()) {
      if (p.id().equalsIgnoreCase(s.strip())) {
        return p;
      }
    }
    throw new TemperException("Unknown model preset '" + s + "' (choose tiny, small or medium)");
  }
}
