package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;

/**
 * Memory a model needs in Temper, which computes in float32 on the CPU: its weights, one
 * sequence's KV cache at the full context length (2 x layers x kv_dim x positions floats), and
 * what chat, LoRA and full training add on top, so that a user sees before starting whether a
 * model fits. The figures follow how the engine holds memory today: parameters widened to
 * float32; decoding keeps a second, folded copy of the weights when the fast decoder runs the
 * family; training keeps every layer's activations for the backward pass (no gradient
 * checkpointing), and full training adds gradients and two AdamW moments (3x the weights).
 * Estimates, not measurements: the JVM and libtorch add a few hundred MB.
 */
public record MemoryEstimate(long weightBytes, long kvCacheBytes, int contextLength,
    long chatBytes, long loraBytes, long fullBytes) {
  /** The training batch the estimates assume: 4 sequences of 512 tokens. */
  public static final int BATCH = 4;
  public static final int SEQUENCE = 512;

  public static MemoryEstimate fp32(LlamaConfig c) {
    long weights = c.parameterCount() * Float.BYTES;
    long kv = 2L * c.numHiddenLayers() * c.kvDim() * c.maxPositionEmbeddings() * Float.BYTES;
    boolean fast = c.variant().fastDecodable();
    long headCopy = c.tieWordEmbeddings() ? (long) c.vocabSize() * c.hiddenSize() * 4 : 0;
    long chat = weights + (fast ? weights + headCopy : 0) + kv;
    long act = activationBytes(c, BATCH, SEQUENCE);
    return new MemoryEstimate(weights, kv, c.maxPositionEmbeddings(), chat, weights + act,
        4 * weights + act);
  }

  /**
   * Activations kept for the backward pass of a (batch, seq) step: per token and layer the
   * residual stream, norms, projections, attention scores and probabilities, MLP gate, up and
   * product; and the logits with their log-softmax and gradient.
   */
  static long activationBytes(LlamaConfig c, int batch, int seq) {
    long perTokenLayer = 6L * c.hiddenSize() + 2L * c.queryDim() + 2L * c.kvDim()
        + 4L * c.intermediateSize() + 3L * c.numAttentionHeads() * seq;
    long tokens = (long) batch * seq;
    return Float.BYTES * (tokens * c.numHiddenLayers() * perTokenLayer
        + 3 * tokens * c.vocabSize());
  }

  public long totalBytes() {
    return weightBytes + kvCacheBytes;
  }

  /** One line per use, for `models show` and the Models page. */
  public String uses() {
    return "chat ~" + Sizes.bytes(chatBytes) + ", LoRA ~" + Sizes.bytes(loraBytes)
        + ", full training ~" + Sizes.bytes(fullBytes) + " (training at batch " + BATCH + " x "
        + SEQUENCE + " tokens, float32 on the CPU)";
  }

  @Override
  public String toString() {
    return Sizes.bytes(totalBytes()) + " (weights " + Sizes.bytes(weightBytes) + " fp32 + KV cache "
        + Sizes.bytes(kvCacheBytes) + " at " + contextLength + " positions)";
  }
}
