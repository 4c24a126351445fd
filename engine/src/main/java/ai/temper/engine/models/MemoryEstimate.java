package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;

/**
 * Memory a model needs to run in float32: its weights, and one sequence's KV cache at the
 * full context length (2 x layers x kv_dim x positions floats). Activations and training
 * state (gradients, AdamW moments: about 3x the weights more) are not counted.
 */
public record MemoryEstimate(long weightBytes, long kvCacheBytes, int contextLength) {

  public static MemoryEstimate fp32(LlamaConfig c) {
    long weights = c.parameterCount() * Float.BYTES;
    long kv = 2L * c.numHiddenLayers() * c.kvDim() * c.maxPositionEmbeddings() * Float.BYTES;
    return new MemoryEstimate(weights, kv, c.maxPositionEmbeddings());
  }

  public long totalBytes() {
    return weightBytes + kvCacheBytes;
  }

  @Override
  public String toString() {
    return Sizes.bytes(totalBytes()) + " (weights " + Sizes.bytes(weightBytes) + " fp32 + KV cache "
        + Sizes.bytes(kvCacheBytes) + " at " + contextLength + " positions)";
  }
}
