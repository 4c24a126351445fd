package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.hf.DType;

/**
 * Resident memory a model needs in Temper on the CPU, before the user starts: for chat, LoRA
 * training and full training, following how the engine holds memory (checked against
 * {@code temper bench memory}; see the README's memory table).
 *
 * <ul>
 *   <li>Weights stay in their stored precision: bfloat16 and float16 matrices take 2 bytes a
 *       parameter (bfloat16 is held as float16, see WeightArrays), float32 ones 4. Products
 *       widen one weight at a time to float32.
 *   <li>Chat: the weights, the KV cache at {@link #CHAT_CONTEXT} positions (float32), and for
 *       a float32 model the fast decoder's second, folded copy of the weights.
 *   <li>LoRA at batch {@link #BATCH} x {@link #SEQUENCE} with gradient_checkpointing: the
 *       weights, each layer's input (float32), the float32 scratch copies the unrecorded
 *       forward widens weights into (one layer's and one head block), and the larger of the
 *       two phases of the backward pass: one layer recomputed with its float32 weight copies,
 *       its saved activations, their gradients and temporaries
 *       ({@link #BACKWARD_ACTIVATION_FACTOR} times the saved activations), or the output head
 *       streamed over blocks of vocabulary rows (a few 64 MB blocks of logits).
 *   <li>LoRA without it: every layer's recorded activations
 *       ({@link #RECORDED_ACTIVATION_FACTOR} times {@link #layerActivationBytes}) and the
 *       float32 copies of its matrices, all kept for the backward pass, and the output head
 *       streamed over blocks of vocabulary rows as with gradient_checkpointing (no logits).
 *   <li>Full training: float32 weights, gradients and two AdamW moments (16 bytes a
 *       parameter) plus the activations as for LoRA with gradient_checkpointing.
 *   <li>{@link #RUNTIME_BYTES} for the JVM, libtorch and its thread pools.
 * </ul>
 */
public record MemoryEstimate(long weightBytes, long kvCacheBytes, int contextLength,
    long chatBytes, long loraBytes, long loraPlainBytes, long fullBytes, boolean half) {
  /** The training batch the estimates assume: 4 sequences of 512 tokens. */
  public static final int BATCH = 4;
  public static final int SEQUENCE = 512;
  /** The context the chat estimate assumes (or the model's own, when shorter). */
  public static final int CHAT_CONTEXT = 4096;
  /** The JVM, libtorch and its pools: about 0.7 GB in temper bench memory. */
  public static final long RUNTIME_BYTES = 700L << 20;
  /**
   * What a recomputed layer adds at the peak of its backward pass, in units of the activations
   * it saves ({@link #layerActivationBytes}): the saved activations, a gradient of each as the
   * pass goes through them, and libtorch's temporaries. Measured (peak resident memory above
   * the step's level between layers, its float32 weight copies taken out) with temper bench
   * memory at 4 x 512: 2.6 for Qwen2.5-0.5B, 2.7 for Llama-3.2-1B (README).
   */
  static final double BACKWARD_ACTIVATION_FACTOR = 2.65;
  /**
   * What each layer recorded by autograd (LoRA without gradient_checkpointing) keeps until the
   * backward pass, in units of {@link #layerActivationBytes}: every intermediate its ops save
   * (norms, rotations, scores, MLP products, the adapters' inputs). Measured with the
   * benchmark's LoRA case on the Qwen2.5-0.5B shape cut to 4 and 8 layers: 985 MB more peak
   * resident memory a layer, 60 MB of it float32 weight copies (README).
   */
  static final double RECORDED_ACTIVATION_FACTOR = 2.33;
  /** The checkpointed output head's block of logits (see LlamaModel). */
  private static final long HEAD_BLOCK_BYTES = 64L << 20;
  /** The float32 copy of a block of the head's rows (LlamaModel.HEAD_CHUNK_BYTES). */
  private static final long HEAD_CHUNK_BYTES = 32L << 20;

  /** The estimate for a model stored in float32 (llama2.c files, float32 folders). */
  public static MemoryEstimate fp32(LlamaConfig c) {
    return of(c, DType.F32);
  }

  /** The estimate for a model whose weights are stored as {@code stored}. */
  public static MemoryEstimate of(LlamaConfig c, DType stored) {
    return of(c, stored, BATCH, SEQUENCE);
  }

  /**
   * The estimate for a model stored as {@code stored}, trained at {@code batch} sequences of
   * {@code seq} tokens (the chat figures do not depend on them).
   */
  public static MemoryEstimate of(LlamaConfig c, DType stored, int batch, int seq) {
    boolean half = stored == DType.BF16 || stored == DType.F16;
    long params = c.parameterCount();
    long weights = params * (half ? 2 : 4);
    int context = Math.min(c.maxPositionEmbeddings(), CHAT_CONTEXT);
    long kv = 2L * c.numHiddenLayers() * c.kvDim() * context * Float.BYTES;
    long head = (long) c.vocabSize() * c.hiddenSize();
    boolean fast = !half && c.variant().fastDecodable();
    long layerF32 = half ? layerParameters(c) * Float.BYTES : 0;
    long chat = RUNTIME_BYTES + weights + kv + (fast ? weights + 4 * head : layerF32);
    long tokens = (long) batch * seq;
    long inputs = (long) c.numHiddenLayers() * tokens * c.hiddenSize() * Float.BYTES;
    long oneLayer = layerActivationBytes(c, batch, seq);
    long layerBackward = Math.round(BACKWARD_ACTIVATION_FACTOR * oneLayer) + layerF32;
    long headBackward = 4 * HEAD_BLOCK_BYTES + (half ? HEAD_CHUNK_BYTES : 0);
    long scratch = half ? layerF32 + HEAD_CHUNK_BYTES : 0;
    long lora = RUNTIME_BYTES + weights + inputs + scratch
        + Math.max(layerBackward, headBackward);
    long loraPlain = RUNTIME_BYTES + weights + headBackward
        + c.numHiddenLayers() * (Math.round(RECORDED_ACTIVATION_FACTOR * oneLayer) + layerF32);
    long full = RUNTIME_BYTES + 16 * params + inputs
        + Math.max(Math.round(BACKWARD_ACTIVATION_FACTOR * oneLayer), 4 * HEAD_BLOCK_BYTES);
    return new MemoryEstimate(weights, kv, context, chat, lora, loraPlain, full, half);
  }

  /**
   * Whether a LoRA run without gradient_checkpointing should turn it on: when its estimate
   * passes {@link #MEMORY_SHARE} of the machine's {@code physicalBytes} and checkpointing needs
   * less. The gradients are the same either way (GradientCheckpointingTest); only the time
   * differs (each layer runs its forward twice).
   */
  public boolean loraNeedsCheckpointing(long physicalBytes) {
    return loraPlainBytes > MEMORY_SHARE * physicalBytes && loraBytes < loraPlainBytes;
  }

  /** The share of physical memory a training run may plan to use. */
  public static final double MEMORY_SHARE = 0.8;

  /** Parameters of one decoder layer (attention and MLP matrices). */
  static long layerParameters(LlamaConfig c) {
    long d = c.hiddenSize();
    return d * (c.queryDim() + 2L * c.kvDim()) + (long) c.queryDim() * d
        + 3L * d * c.intermediateSize();
  }

  /**
   * Activations one decoder layer keeps for its backward pass at (batch, seq): per token the
   * residual stream and norms, the projections, the MLP's gate, up and product, and per head
   * the attention scores, masked scores and probabilities.
   */
  static long layerActivationBytes(LlamaConfig c, int batch, int seq) {
    long perToken = 6L * c.hiddenSize() + 2L * c.queryDim() + 2L * c.kvDim()
        + 4L * c.intermediateSize() + 3L * c.numAttentionHeads() * seq;
    return Float.BYTES * (long) batch * seq * perToken;
  }

  public long totalBytes() {
    return weightBytes + kvCacheBytes;
  }

  /** One line per use, for `models show` and the Models page. */
  public String uses() {
    return "chat ~" + Sizes.bytes(chatBytes) + ", LoRA ~" + Sizes.bytes(loraBytes)
        + " with gradient_checkpointing (~" + Sizes.bytes(loraPlainBytes) + " without), full "
        + "training ~" + Sizes.bytes(fullBytes) + " (training at batch " + BATCH + " x "
        + SEQUENCE + " tokens on the CPU)";
  }

  @Override
  public String toString() {
    return Sizes.bytes(totalBytes()) + " (weights " + Sizes.bytes(weightBytes)
        + (half ? " in 16 bits" : " fp32") + " + KV cache " + Sizes.bytes(kvCacheBytes)
        + " at " + contextLength + " positions)";
  }
}
