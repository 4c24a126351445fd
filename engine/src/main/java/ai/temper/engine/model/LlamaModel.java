package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.temper.engine.Devices;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The decoder of every family Temper runs (Llama, Mistral, Qwen2/3, SmolLM2/3, OLMo, OLMo 2,
 * Gemma 2/3, Phi-3) over DJL NDArrays, with Hugging Face semantics and parameter names; what a
 * family changes is its {@link DecoderVariant}. Two ways through the same weights:
 *
 * <ul>
 *   <li>{@link #forward} / {@link #hiddenStates}: full sequences in plain math form, for
 *       training and scoring (gradients flow to {@link #parameters()} inside a
 *       GradientCollector);
 *   <li>{@link #newSession}: incremental decoding with a KV cache. Over derived, folded
 *       weights ({@link FastWeights}, rebuilt by {@link #refreshInference()} after the
 *       parameters change) where the variant allows ({@link DecoderVariant#fastDecodable()});
 *       else the same math as the forward, one cached step at a time ({@link ForwardSession}).
 * </ul>
 *
 * <p>Not thread-safe: one caller at a time.
 */
public final class LlamaModel implements AutoCloseable {
  /** Additive attention bias for masked positions: finite, so fully masked rows stay finite. */
  static final float MASKED = -1e9f;

  private final LlamaConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> params;
  private final Map<String, LinearAdapter> adapters = new LinkedHashMap<>();
  private final Rope rope;
  /** The RoPE of sliding-window layers when it differs (Gemma 3), else {@link #rope}. */
  private final Rope localRope;
  private FastWeights fast;
  private DecodeSession pooled;
  private boolean gradientCheckpointing;
  /** float32 scratch arrays by shape, for widening float16 weights outside training. */
  private final Map<Shape, NDArray> scratch = new java.util.HashMap<>();
  /** The type of the forward's matrix products (float32: the exact path); see {@link #linear}. */
  private DataType computeType = DataType.FLOAT32;

  private LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> params) {
    this.config = config;
    this.manager = manager;
    this.params = params;
    this.rope = new Rope(config);
    double local = config.variant().localRopeTheta();
    this.localRope = local == 0 ? rope : Rope.plain(local, config.rotaryDim());
  }

  /** Builds the model from a checkpoint; shapes that contradict the config name the source. */
  public static LlamaModel create(Checkpoint ckpt) {
    return create(ckpt.config(), ckpt.weights(), ckpt.source(), Devices.newManager());
  }

  public static LlamaModel create(LlamaConfig config, StateDict weights) {
    return create(config, weights, "checkpoint", Devices.newManager());
  }

  /** Builds the model with its arrays in a sub-manager of {@code parent}. */
  public static LlamaModel create(LlamaConfig config, StateDict weights, String source,
      NDManager parent) {
    NDManager m = parent.newSubManager();
    Map<String, NDArray> p = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, long[]> e : parameterShapes(config).entrySet()) {
        Tensor t = weights.require(e.getKey(), source, e.getValue());
        NDArray a = WeightArrays.create(m, t);
        a.setName(e.getKey());
        p.put(e.getKey(), a);
      }
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return new LlamaModel(config, m, p);
  }

  /**
   * A model with random weights (normal, std 0.02; norm gains near 1; biases small), for tests
   * and benchmarks. The same seed gives the same weights.
   */
  public static LlamaModel random(LlamaConfig config, long seed) {
    Random r = new Random(seed);
    StateDict sd = new StateDict();
    for (Map.Entry<String, long[]> e : parameterShapes(config).entrySet()) {
      long n = 1;
      for (long s : e.getValue()) {
        n *= s;
      }
      float[] v = new float[Math.toIntExact(n)];
      boolean norm = e.getKey().endsWith("norm.weight");
      boolean bias = e.getKey().endsWith(".bias");
      for (int i = 0; i < v.length; i++) {
        float g = (float) r.nextGaussian();
        v[i] = norm ? 1f + 0.1f * g : bias ? 0.05f * g : 0.02f * g;
      }
      sd.put(e.getKey(), new Tensor(e.getValue(), v));
    }
    return create(config, sd);
  }

  /** The HF parameter names of a config and their shapes, in checkpoint order. */
  public static Map<String, long[]> parameterShapes(LlamaConfig c) {
    DecoderVariant v = c.variant();
    long d = c.hiddenSize();
    long q = c.queryDim();
    long kv = c.kvDim();
    long f = c.intermediateSize();
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      putNorm(s, p, v.normBeforeAttention(), d);
      if (v.fusedQkv()) {
        s.put(p + "self_attn.qkv_proj.weight", new long[] {q + 2 * kv, d});
      } else {
        s.put(p + "self_attn.q_proj.weight", new long[] {q, d});
        s.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
        s.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
      }
      s.put(p + "self_attn.o_proj.weight", new long[] {d, q});
      if (c.attentionBias() && !v.fusedQkv()) {
        s.put(p + "self_attn.q_proj.bias", new long[] {q});
        s.put(p + "self_attn.k_proj.bias", new long[] {kv});
        s.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      if (v.oProjBias()) {
        s.put(p + "self_attn.o_proj.bias", new long[] {d});
      }
      switch (v.qkNorm()) {
        case PER_HEAD -> {
          s.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
          s.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
        }
        case FULL -> {
          s.put(p + "self_attn.q_norm.weight", new long[] {q});
          s.put(p + "self_attn.k_norm.weight", new long[] {kv});
        }
        default -> { }
      }
      putNorm(s, p, v.normAfterAttention(), d);
      putNorm(s, p, v.normBeforeMlp(), d);
      if (v.fusedGateUp()) {
        s.put(p + "mlp.gate_up_proj.weight", new long[] {2 * f, d});
      } else {
        s.put(p + "mlp.gate_proj.weight", new long[] {f, d});
        s.put(p + "mlp.up_proj.weight", new long[] {f, d});
      }
      s.put(p + "mlp.down_proj.weight", new long[] {d, f});
      putNorm(s, p, v.normAfterMlp(), d);
    }
    if (v.norm() != DecoderVariant.Norm.LAYER_NORM) {
      s.put("model.norm.weight", new long[] {d});
    }
    if (!c.tieWordEmbeddings()) {
      s.put("lm_head.weight", new long[] {c.vocabSize(), d});
    }
    return s;
  }

  private static void putNorm(Map<String, long[]> s, String prefix, String name, long d) {
    if (name != null) {
      s.put(prefix + name + ".weight", new long[] {d});
    }
  }

  public LlamaConfig config() {
    return config;
  }

  /**
   * gradient_checkpointing: while gradients are recorded, {@link #hiddenStates} keeps only each
   * decoder layer's input and {@link #backwardCheckpointed} recomputes the layers one at a time
   * during the backward pass, so activations of one layer, not all, are alive at once.
   */
  public void setGradientCheckpointing(boolean on) {
    this.gradientCheckpointing = on;
  }

  public boolean gradientCheckpointing() {
    return gradientCheckpointing;
  }

  /**
   * Whether training computes log-probs with {@link #checkpointedLogProbs} rather than through
   * autograd: with gradient_checkpointing, and for a frozen output head under adapters (LoRA)
   * in any case, since recording the head would widen it whole to float32 and keep the
   * (tokens, vocab) logits and their log-softmax for the backward pass. The layers keep plain
   * autograd then; {@link #backwardCheckpointed} feeds them the hidden states' gradient.
   */
  public boolean streamsOutputHead() {
    return gradientCheckpointing || mayRecord() && !parameter(headName()).hasGradient();
  }

  /** The manager that owns the parameters. */
  public NDManager manager() {
    return manager;
  }

  /**
   * The parameters by HF name (a tied head has no "lm_head.weight"). To train one, call
   * {@code setRequiresGradient(true)} on it; after changing values call
   * {@link #refreshInference()} so that decoding sees them.
   */
  public Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(params);
  }

  public NDArray parameter(String name) {
    NDArray a = params.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no parameter " + name);
    }
    return a;
  }

  /** Adds (or with null removes) an adapter on the linear layer whose weight is {@code name}. */
  public void setAdapter(String weightName, LinearAdapter adapter) {
    parameter(weightName);
    if (adapter == null) {
      adapters.remove(weightName);
    } else {
      adapters.put(weightName, adapter);
    }
  }

  public Map<String, LinearAdapter> adapters() {
    return Collections.unmodifiableMap(adapters);
  }

  /** Current weights (adapters not merged) as HF-named tensors. */
  public StateDict toStateDict() {
    StateDict sd = new StateDict();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray a = e.getValue();
      sd.put(e.getKey(), new Tensor(a.getShape().getShape(), floats(a)));
    }
    return sd;
  }

  /** An array's values as float32 (a float16 weight is widened on the way out). */
  public static float[] floats(NDArray a) {
    if (a.getDataType() == DataType.FLOAT32) {
      return a.toFloatArray();
    }
    try (NDArray wide = a.toType(DataType.FLOAT32, true)) {
      return wide.toFloatArray();
    }
  }

  /** Whether some weight is kept in float16 (see {@link WeightArrays}). */
  public boolean halfWeights() {
    for (NDArray a : params.values()) {
      if (a.getDataType() == DataType.FLOAT16) {
        return true;
      }
    }
    return false;
  }

  /**
   * Widens every float16 weight to float32 in place of the original (full training updates
   * the weights themselves, which needs float32 values and gradients).
   */
  public void widenToFloat32() {
    releaseInference();
    scratch.values().forEach(NDArray::close);
    scratch.clear();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray a = e.getValue();
      if (a.getDataType() != DataType.FLOAT32) {
        NDArray wide;
        try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter()) {
          wide = a.toType(DataType.FLOAT32, true);
        }
        NDScope.unregister(wide);
        wide.attach(manager);
        wide.setName(e.getKey());
        a.close();
        e.setValue(wide);
      }
    }
  }

  // ---------------------------------------------------------------- training / scoring path

  /**
   * The type the matrix products of {@link #forward} / {@link #hiddenStates} run in: float32
   * (the default, exact), or float16 for mixed-precision training. The parameters stay as they
   * are (float32 master weights); each product casts its operands and widens its result back,
   * through casts autograd records, so gradients arrive on the parameters in float32. Norms,
   * softmax, residuals and the loss stay float32, as under PyTorch's autocast. Decoding
   * sessions ignore it.
   */
  public void setComputeType(DataType type) {
    computeType = type == null ? DataType.FLOAT32 : type;
  }

  public DataType computeType() {
    return computeType;
  }

  /**
   * Logits (B, T, vocab) for token ids (B, T). {@code attentionMask} (B, T) marks real tokens
   * with 1 and padding with 0 (left or right padding; null means no padding): padded keys are
   * never attended to and positions count real tokens only, as in Hugging Face.
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask) {
    return logits(hiddenStates(inputIds, attentionMask));
  }

  /** The output head applied to hidden states (..., hidden) -> (..., vocab). */
  public NDArray logits(NDArray hidden) {
    String head = headName();
    NDArray logits = parameter(head).getDataType() == DataType.FLOAT32 ? linear(hidden, head, null)
        : chunkedHead(hidden, parameter(head));
    double cap = config.variant().finalSoftcap();
    return cap > 0 ? softcap(logits, cap) : logits;
  }

  /** The final normed hidden states (B, T, hidden), for reward heads and embeddings. */
  public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask) {
    Shape shape = inputIds.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("input ids must be (batch, time), got " + shape);
    }
    int b = (int) shape.get(0);
    int t = (int) shape.get(1);
    int[] mask = attentionMask == null ? null
        : attentionMask.toType(DataType.INT32, false).toIntArray();
    int[][] pos = new int[b][t];
    boolean[][] real = new boolean[b][t];
    for (int i = 0; i < b; i++) {
      int seen = 0;
      for (int j = 0; j < t; j++) {
        real[i][j] = mask == null || mask[i * t + j] != 0;
        // padding: HF's placeholder position 1, never attended to
        pos[i][j] = mask == null ? j : real[i][j] ? seen++ : 1;
      }
    }
    Step step = new Step(inputIds.getManager(), pos, pos, real, 0, mask == null);
    return run(inputIds, step, null);
  }

  /**
   * What one pass over T new tokens needs besides the tokens: their positions, and for the
   * attention masks the positions and validity of all S keys (cached ones first).
   */
  final class Step {
    final NDManager m;
    final int[][] queryPos;
    final int[][] keyPos;
    final boolean[][] keyReal;
    final int cached;
    final boolean shared;
    private NDArray[] global;
    private NDArray[] local;
    private NDArray fullBias;
    private NDArray slidingBias;

    /**
     * @param queryPos (B, T) positions of the new tokens
     * @param keyPos   (B, S) positions of every key, cached ones first (S = cached + T)
     * @param keyReal  (B, S) whether a key is a real token (padding is never attended to)
     * @param cached   keys before the new tokens
     * @param shared   all rows alike (no padding): one mask for the batch
     */
    Step(NDManager m, int[][] queryPos, int[][] keyPos, boolean[][] keyReal, int cached,
        boolean shared) {
      this.m = m;
      this.queryPos = queryPos;
      this.keyPos = keyPos;
      this.keyReal = keyReal;
      this.cached = cached;
      this.shared = shared;
    }

    /** Hands the arrays {@link #keepCached} kept to the enclosing scope. */
    void returnCached() {
      for (NDArray a : cachedArrays()) {
        NDScope.register(a);
      }
    }

    /** Keeps the masks and RoPE tables made so far out of the current NDScope. */
    void keepCached() {
      for (NDArray a : cachedArrays()) {
        NDScope.unregister(a);
      }
    }

    /** The masks and RoPE tables made so far. */
    private List<NDArray> cachedArrays() {
      List<NDArray> out = new ArrayList<>();
      for (NDArray a : new NDArray[] {fullBias, slidingBias}) {
        if (a != null) {
          out.add(a);
        }
      }
      for (NDArray[] pair : new NDArray[][] {global, local}) {
        if (pair != null) {
          out.addAll(Arrays.asList(pair));
        }
      }
      return out;
    }

    NDArray[] cosSin(boolean localLayer) {
      if (localLayer && localRope != rope) {
        if (local == null) {
          local = cosSinOf(m, localRope, queryPos);
        }
        return local;
      }
      if (global == null) {
        global = cosSinOf(m, rope, queryPos);
      }
      return global;
    }

    /** Additive bias (B|1, 1, 1, T, S): causal, padding masked, and the window if sliding. */
    NDArray bias(boolean sliding) {
      if (sliding) {
        if (slidingBias == null) {
          slidingBias = maskOf(config.variant().slidingWindow());
        }
        return slidingBias;
      }
      if (fullBias == null) {
        fullBias = maskOf(0);
      }
      return fullBias;
    }

    private NDArray maskOf(int window) {
      int rows = shared ? 1 : queryPos.length;
      int t = queryPos[0].length;
      int s = keyPos[0].length;
      float[] bias = new float[rows * t * s];
      for (int i = 0; i < rows; i++) {
        for (int q = 0; q < t; q++) {
          for (int k = 0; k < s; k++) {
            boolean visible = k <= cached + q && keyReal[i][k]
                && (window == 0 || queryPos[i][q] - keyPos[i][k] < window);
            bias[(i * t + q) * s + k] = visible ? 0f : MASKED;
          }
        }
      }
      return m.create(bias, new Shape(rows, 1, 1, t, s));
    }
  }

  /** Per-layer keys and values (B, KV heads, S, head_dim) of the tokens run so far. */
  static final class KvCache {
    final NDArray[] keys;
    final NDArray[] values;

    KvCache(int layers) {
      keys = new NDArray[layers];
      values = new NDArray[layers];
    }
  }

  /**
   * The decoder over new tokens {@code ids} (B, T): embedding, layers, final norm. With a
   * cache, keys and values of earlier tokens are attended to and the new ones appended.
   */
  NDArray run(NDArray ids, Step step, KvCache cache) {
    if (gradientCheckpointing && cache == null && ai.djl.pytorch.jni.JniUtils.isGradMode()) {
      return runCheckpointed(ids, step);
    }
    NDArray x = embed(ids);
    if (!ai.djl.pytorch.jni.JniUtils.isGradMode()) {
      // nothing recorded (evaluation, reference log-probs, a decoding session's prefill and
      // steps): DJL frees an array only when it is closed, so each layer's temporaries go
      // with a scope and only its output (and its new cache entries) stay
      for (int l = 0; l < config.numHiddenLayers(); l++) {
        try (NDScope layer = new NDScope()) {
          NDArray next = block(l, x, step, cache);
          NDScope.unregister(next);
          if (cache != null) {
            NDScope.unregister(cache.keys[l], cache.values[l]);
          }
          step.keepCached();
          if (l > 0) {
            x.close(); // the previous layer's output, held by nothing else
          }
          x = next;
        }
      }
      if (cache != null) {
        step.returnCached(); // the caller's scope frees the masks and RoPE tables
      }
      if (config.numHiddenLayers() > 0) {
        NDScope.register(x); // the last layer's output, freed with the caller's scope
      }
      return finalNorm(x);
    }
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      x = block(l, x, step, cache);
    }
    return finalNorm(x);
  }

  private NDArray finalNorm(NDArray x) {
    return norm(x, config.variant().norm() == DecoderVariant.Norm.LAYER_NORM ? null
        : "model.norm.weight");
  }

  /** The token embeddings (B, T, hidden) as float32, Gemma's scaling applied. */
  private NDArray embed(NDArray ids) {
    NDArray x = ids.getNDArrayInternal()
        .embedding(ids, parameter("model.embed_tokens.weight"), SparseFormat.DENSE)
        .singletonOrThrow();
    if (x.getDataType() != DataType.FLOAT32) {
      x = x.toType(DataType.FLOAT32, false);
    }
    if (config.variant().scaleEmbeddings()) {
      // Gemma: embeddings times sqrt(hidden_size), rounded to the activations' dtype
      x = x.mul(scalar(x, (float) Math.sqrt(config.hiddenSize())));
    }
    return x;
  }

  // ---------------------------------------------------------------- gradient checkpointing

  /** Checkpointed forwards of this thread whose layers still owe their backward pass. */
  private static final ThreadLocal<java.util.ArrayDeque<
      java.util.function.Consumer<ai.djl.training.GradientCollector>>> PENDING =
      ThreadLocal.withInitial(java.util.ArrayDeque::new);

  /**
   * The forward with gradient checkpointing: the layers run without recording, keeping only
   * each layer's input; the last layer's output becomes a leaf that records the gradient of
   * the loss. {@link #backwardCheckpointed} then runs each layer again, last to first, with
   * recording on, and back-propagates the gradient arriving at its output through it.
   */
  private NDArray runCheckpointed(NDArray ids, Step step) {
    int layers = config.numHiddenLayers();
    NDArray[] inputs = new NDArray[layers];
    long[] seeds = new long[layers];
    java.util.Random seedSource = new java.util.Random(dropoutSeeds.nextLong());
    NDArray x;
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter()) {
      x = embed(ids);
      for (int l = 0; l < layers; l++) {
        inputs[l] = x;
        seeds[l] = seedSource.nextLong();
        // adapters' dropout draws again in the recomputation: the same seed, the same mask
        ai.djl.engine.Engine.getInstance().setRandomSeed((int) seeds[l]);
        // DJL frees an array only when it is closed: each layer's temporaries go with a scope
        try (NDScope layer = new NDScope()) {
          x = block(l, x, step, null);
          NDScope.unregister(x);
          step.keepCached();
        }
      }
    }
    NDArray out = x;
    out.setRequiresGradient(true);
    PENDING.get().push(gc -> {
      NDArray grad = gradientOf(out);
      for (int l = layers - 1; l >= 0 && grad != null; l--) {
        NDArray next = null;
        try (NDScope layer = new NDScope()) {
          NDArray in;
          if (l == 0) {
            in = embed(ids); // the embedding's own gradient (full training) flows from here
          } else {
            in = inputs[l];
            in.setRequiresGradient(true);
          }
          ai.djl.engine.Engine.getInstance().setRandomSeed((int) seeds[l]);
          NDArray y = block(l, in, step, null);
          try {
            gc.backward(y.mul(grad).sum());
          } catch (ai.djl.engine.EngineException e) {
            // nothing in this layer or below records gradients (no adapter, frozen weights)
          }
          if (l > 0) {
            next = gradientOf(in);
            if (next != null) {
              NDScope.unregister(next);
            }
          }
        }
        // this layer's input, its gradient buffer and the gradient that arrived at its output
        // are done with: free them now rather than with the step, or they pile up by layer
        inputs[l].close();
        grad.close();
        grad = next;
      }
    });
    return finalNorm(out);
  }

  private final java.util.Random dropoutSeeds = new java.util.Random(0x6C);

  /**
   * Whether some array of this model may record gradients: adapters are set (only they train
   * while weights are float16; full training widens the weights first). DJL cannot tell
   * reliably whether an activation is tracked (hasGradient answers false for results of
   * recorded ops, and asking for their grad_fn crashes on untracked ones).
   */
  private boolean mayRecord() {
    return !adapters.isEmpty();
  }

  private static NDArray gradientOf(NDArray leaf) {
    try {
      return leaf.getGradient();
    } catch (RuntimeException e) {
      return null; // the output never reached the loss
    }
  }

  /**
   * Finishes the backward pass of every checkpointed forward run on this thread since the
   * last call: call right after {@code gc.backward(loss)}, inside the same collector.
   */
  public static void backwardCheckpointed(ai.djl.training.GradientCollector gc) {
    var pending = PENDING.get();
    boolean mode = ai.djl.pytorch.jni.JniUtils.isGradMode();
    // the collector's backward leaves libtorch's grad mode off: the recomputation records
    ai.djl.pytorch.jni.JniUtils.setGradMode(true);
    try {
      while (!pending.isEmpty()) {
        pending.pop().accept(gc);
      }
    } finally {
      pending.clear();
      ai.djl.pytorch.jni.JniUtils.setGradMode(mode);
    }
  }

  /**
   * Target rows per block of the checkpointed output head: logits of at most 64 MB (the
   * system property temper.headBlockBytes changes it; tests make blocks tiny).
   */
  private static long headBlockBytes() {
    return Long.getLong("temper.headBlockBytes", 64L << 20);
  }

  /**
   * log p(label) of each row of {@code hidden} (N, hidden) for {@code labels} (N, 1), with the
   * output head checkpointed too, so that the (N, vocab) logits, their log-softmax and their
   * gradients never exist whole. Call only while gradients are recorded, and where
   * {@link #streamsOutputHead}; {@code hidden} may come from checkpointed or recorded layers.
   * A frozen head (LoRA) is streamed ({@link #frozenHeadLogProbs}); a trained one is computed
   * without recording, a block of rows at a time, and recomputed block by block in the
   * backward pass.
   */
  public NDArray checkpointedLogProbs(NDArray hidden, NDArray labels) {
    return checkpointedLogProbs(hidden, labels, false)[0];
  }

  /**
   * {@link #checkpointedLogProbs(NDArray, NDArray)} and, when {@code entropy}, the entropy of
   * each row's distribution over the vocabulary computed in the same pass (not recorded: a
   * metric): [log p (N), entropy (N) or null].
   */
  public NDArray[] checkpointedLogProbs(NDArray hidden, NDArray labels, boolean entropy) {
    NDArray w = parameter(headName());
    if (!w.hasGradient()) {
      return frozenHeadLogProbs(hidden, labels, w, true, entropy);
    }
    long n = hidden.getShape().get(0);
    long rows = Math.max(1, headBlockBytes() / ((long) config.vocabSize() * Float.BYTES));
    NDArray leaf = hidden.stopGradient();
    leaf.setRequiresGradient(true);
    NDArray lp;
    NDArray h = null;
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter()) {
      NDList parts = new NDList();
      NDList entropies = new NDList();
      for (long r = 0; r < n; r += rows) {
        // each block's logits and log-softmax go with its scope: only the (rows) result stays
        try (NDScope block = new NDScope()) {
          long end = Math.min(n, r + rows);
          NDArray logSoftmax = rowLogSoftmax(leaf, r, end);
          NDArray part = labelled(logSoftmax, labels, r, end);
          NDScope.unregister(part);
          parts.add(part);
          if (entropy) {
            NDArray e = logSoftmax.exp().mul(logSoftmax).sum(new int[] {1}).neg();
            NDScope.unregister(e);
            entropies.add(e);
          }
        }
      }
      lp = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
      if (parts.size() > 1) {
        parts.close();
      }
      if (entropy) {
        h = entropies.size() == 1 ? entropies.get(0) : NDArrays.concat(entropies, 0);
        if (entropies.size() > 1) {
          entropies.close();
        }
      }
    }
    lp.setRequiresGradient(true);
    PENDING.get().push(gc -> {
      NDArray g = gradientOf(lp);
      if (g == null) {
        return;
      }
      for (long r = 0; r < n; r += rows) {
        long end = Math.min(n, r + rows);
        try (NDScope block = new NDScope()) {
          NDArray part = labelled(rowLogSoftmax(leaf, r, end), labels, r, end);
          gc.backward(part.mul(g.get(new ai.djl.ndarray.index.NDIndex("{}:{}", r, end))).sum());
        }
      }
      NDArray gh = gradientOf(leaf);
      if (gh != null) {
        // on into the layers: recorded ones directly, checkpointed ones by their task (next)
        gc.backward(hidden.mul(gh).sum());
      }
    });
    return new NDArray[] {lp, h};
  }

  /** The output head's weight: the embeddings when tied, else lm_head. */
  public String headName() {
    return config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
  }

  /**
   * log p(label) of each row of {@code hidden} (N, hidden) for {@code labels} (N, 1) while
   * nothing is recorded (evaluation, reference log-probs): the head streamed over blocks of
   * vocabulary rows as in {@link #checkpointedLogProbs}, so no (N, vocab) logits exist.
   */
  public NDArray headLogProbs(NDArray hidden, NDArray labels) {
    return frozenHeadLogProbs(hidden, labels, parameter(headName()), false, false)[0];
  }

  /**
   * {@link #headLogProbs(NDArray, NDArray)} and, when {@code entropy}, the entropy of each
   * row's distribution from the same streamed pass: [log p (N), entropy (N) or null].
   */
  public NDArray[] headLogProbs(NDArray hidden, NDArray labels, boolean entropy) {
    return frozenHeadLogProbs(hidden, labels, parameter(headName()), false, entropy);
  }

  /**
   * log p(label) = z_label - logsumexp_j z_j with z = h W^T (soft-capped where the variant
   * caps logits) for a frozen head W, streamed over blocks of vocabulary rows: the forward
   * keeps only each row's log-sum-exp and label logit, the backward recomputes each block's
   * logits and forms the hidden states' gradient itself,
   * d lp / d h = c'(z_label) W[label] - sum_j softmax_j c'(z_j) W[j] (c' the soft-cap's
   * derivative, else 1), times the incoming gradient. Nothing is recorded for autograd, each
   * weight block is widened into one reused float32 scratch array (once per pass), and no
   * (N, vocab) array exists: a block is at most {@code temper.headBlockBytes} of logits.
   *
   * <p>Returns [log p (N), entropy (N) or null]. The entropy H = L - A is accumulated over
   * the blocks with L the running log-sum-exp and A = sum_j e^(z_j - L) z_j (z the capped
   * logits): a block (L_b, A_b) merges as L' = logaddexp(L, L_b), A' = A e^(L - L') + A_b
   * e^(L_b - L').
   */
  private NDArray[] frozenHeadLogProbs(NDArray hidden, NDArray labels, NDArray w,
      boolean record, boolean entropy) {
    long n = hidden.getShape().get(0);
    long vocab = w.getShape().get(0);
    long d = w.getShape().get(1);
    long rows = Math.max(1, Math.min(headBlockBytes() / (n * Float.BYTES),
        HEAD_CHUNK_BYTES / (d * Float.BYTES)));
    double cap = config.variant().finalSoftcap();
    NDArray h = hidden.stopGradient();
    NDArray lse = null;
    NDArray expected = null; // A: the softmax-weighted mean logit so far
    NDArray labelRows;
    NDArray labelLogits;
    NDArray lp;
    NDArray ent = null;
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter()) {
      for (long r = 0; r < vocab; r += rows) {
        try (NDScope block = new NDScope()) {
          NDArray z = headBlock(h, widened(headRows(w, r, Math.min(vocab, r + rows)), h), cap);
          NDArray max = z.max(new int[] {1}, true);
          NDArray blockLse = z.sub(max).exp().sum(new int[] {1}, true).log().add(max);
          NDArray next = lse == null ? blockLse : logAddExp(lse, blockLse);
          NDScope.unregister(next);
          if (entropy) {
            NDArray blockA = z.sub(blockLse).exp().mul(z).sum(new int[] {1}, true);
            NDArray nextA = expected == null ? blockA : expected.mul(lse.sub(next).exp())
                .add(blockA.mul(blockLse.sub(next).exp()));
            NDScope.unregister(nextA);
            if (expected != null) {
              expected.close();
            }
            expected = nextA;
          }
          if (lse != null) {
            lse.close();
          }
          lse = next;
        }
      }
      if (entropy) {
        ent = lse.sub(expected).reshape(n);
        expected.close();
      }
      // W[label] (N, hidden) widened, and the label logits from it
      NDArray picked = labels.getNDArrayInternal().embedding(labels.reshape(n), w,
          SparseFormat.DENSE).singletonOrThrow();
      labelRows = picked.getDataType() == DataType.FLOAT32 ? picked
          : picked.toType(DataType.FLOAT32, false);
      NDArray z = h.mul(labelRows).sum(new int[] {1}, true);
      labelLogits = cap > 0 ? softcap(z, cap) : z;
      lp = labelLogits.sub(lse).reshape(n);
    }
    if (!record) {
      return new NDArray[] {lp, ent};
    }
    lp.setRequiresGradient(true);
    NDArray logSumExp = lse;
    PENDING.get().push(gc -> {
      NDArray g = gradientOf(lp);
      if (g == null) {
        return;
      }
      NDArray gh;
      try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter()) {
        NDArray g1 = g.reshape(n, 1);
        gh = labelRows.mul(cap > 0 ? g1.mul(capSlope(labelLogits, cap)) : g1);
        for (long r = 0; r < vocab; r += rows) {
          long end = Math.min(vocab, r + rows);
          try (NDScope block = new NDScope()) {
            NDArray rowsF32 = widened(headRows(w, r, end), h);
            NDArray z = headBlock(h, rowsF32, cap);
            NDArray coef = z.sub(logSumExp).exp().mul(g1);
            if (cap > 0) {
              coef = coef.mul(capSlope(z, cap));
            }
            gh.subi(coef.matMul(rowsF32));
          }
        }
      }
      // on into the layers: recorded ones directly, checkpointed ones by their task (next)
      gc.backward(hidden.mul(gh).sum());
    });
    return new NDArray[] {lp, ent};
  }

  /** Rows {@code from..to} of the head matrix, a view. */
  private static NDArray headRows(NDArray w, long from, long to) {
    return ai.djl.pytorch.jni.JniUtils.slice((ai.djl.pytorch.engine.PtNDArray) w, 0, from, to, 1);
  }

  /** Logits h W_rows^T (N, rows) for float32 head rows, soft-capped if {@code cap > 0}. */
  private static NDArray headBlock(NDArray h, NDArray rows, double cap) {
    NDArray z = h.getNDArrayInternal().linear(h, rows, null).singletonOrThrow();
    return cap > 0 ? softcap(z, cap) : z;
  }

  /** The soft-cap's derivative at a capped value y = cap tanh(z / cap): 1 - (y / cap)^2. */
  private static NDArray capSlope(NDArray capped, double cap) {
    NDArray t = capped.div(scalar(capped, (float) cap));
    return t.mul(t).neg().add(1f);
  }

  /** log(e^a + e^b), stably. */
  private static NDArray logAddExp(NDArray a, NDArray b) {
    NDArray max = a.maximum(b);
    return a.sub(max).exp().add(b.sub(max).exp()).log().add(max);
  }

  /** The log-softmax of the head over rows {@code from..to} of {@code hidden}. */
  private NDArray rowLogSoftmax(NDArray hidden, long from, long to) {
    return logits(hidden.get(new ai.djl.ndarray.index.NDIndex("{}:{}", from, to)))
        .logSoftmax(-1);
  }

  /** Each row's log-prob of its label, rows {@code from..to} of {@code labels}. */
  private static NDArray labelled(NDArray logSoftmax, NDArray labels, long from, long to) {
    return logSoftmax.gather(labels.get(new ai.djl.ndarray.index.NDIndex("{}:{}", from, to)), 1)
        .squeeze(1);
  }

  /** Drops checkpointed forwards that will not be back-propagated (a failed step). */
  public static void clearCheckpointed() {
    PENDING.get().clear();
  }

  /**
   * One decoder layer: attention and MLP each added back to the residual stream, with the
   * variant's norms before (Llama), after (OLMo 2) or around (Gemma) each.
   */
  private NDArray block(int l, NDArray x, Step step, KvCache cache) {
    DecoderVariant v = config.variant();
    String p = "model.layers." + l + ".";
    NDArray h = v.normsInput() ? norm(x, named(p, v.normBeforeAttention())) : x;
    h = attention(l, p, h, step, cache);
    if (v.normAfterAttention() != null) {
      h = norm(h, p + v.normAfterAttention() + ".weight");
    }
    x = x.add(h);
    h = v.normsInput() ? norm(x, named(p, v.normBeforeMlp())) : x;
    h = mlp(p, h);
    if (v.normAfterMlp() != null) {
      h = norm(h, p + v.normAfterMlp() + ".weight");
    }
    return x.add(h);
  }

  private static String named(String prefix, String norm) {
    return norm == null ? null : prefix + norm + ".weight";
  }

  /** The gated MLP: down(act(gate(h)) * up(h)). */
  private NDArray mlp(String p, NDArray h) {
    NDArray gate;
    NDArray up;
    if (config.variant().fusedGateUp()) {
      NDArray fused = linear(h, p + "mlp.gate_up_proj.weight", null);
      NDList gu = fused.split(2, fused.getShape().dimension() - 1);
      gate = gu.get(0);
      up = gu.get(1);
    } else {
      gate = linear(h, p + "mlp.gate_proj.weight", null);
      up = linear(h, p + "mlp.up_proj.weight", null);
    }
    NDArray act = switch (config.variant().activation()) {
      case SILU -> gate.mul(gate.getNDArrayInternal().sigmoid()); // silu(gate)
      case GELU_TANH -> geluTanh(gate);
    };
    return linear(act.mul(up), p + "mlp.down_proj.weight", null);
  }

  /** gelu, tanh approximation: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  private static NDArray geluTanh(NDArray x) {
    NDArray inner = x.add(x.mul(x).mul(x).mul(scalar(x, 0.044715f)))
        .mul(scalar(x, (float) Math.sqrt(2 / Math.PI)));
    return x.mul(scalar(x, 0.5f)).mul(inner.tanh().add(1f));
  }

  private NDArray attention(int l, String p, NDArray h, Step step, KvCache cache) {
    DecoderVariant v = config.variant();
    long b = h.getShape().get(0);
    long t = h.getShape().get(1);
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int hd = config.headDim();
    int groups = heads / kvHeads;
    NDArray q;
    NDArray k;
    NDArray val;
    if (v.fusedQkv()) {
      NDArray fused = linear(h, p + "self_attn.qkv_proj.weight", null);
      NDList qkv = fused.split(new long[] {config.queryDim(), config.queryDim() + config.kvDim()},
          fused.getShape().dimension() - 1);
      q = qkv.get(0);
      k = qkv.get(1);
      val = qkv.get(2);
    } else {
      q = linear(h, p + "self_attn.q_proj.weight", p + "self_attn.q_proj.bias");
      k = linear(h, p + "self_attn.k_proj.weight", p + "self_attn.k_proj.bias");
      val = linear(h, p + "self_attn.v_proj.weight", p + "self_attn.v_proj.bias");
    }
    if (v.clipQkv() > 0) {
      float c = (float) v.clipQkv();
      q = q.clip(-c, c);
      k = k.clip(-c, c);
      val = val.clip(-c, c);
    }
    if (v.qkNorm() == DecoderVariant.QkNorm.FULL) {
      q = norm(q, p + "self_attn.q_norm.weight");
      k = norm(k, p + "self_attn.k_norm.weight");
    }
    q = heads(q, heads);
    k = heads(k, kvHeads);
    val = heads(val, kvHeads);
    if (v.qkNorm() == DecoderVariant.QkNorm.PER_HEAD) {
      q = norm(q, p + "self_attn.q_norm.weight");
      k = norm(k, p + "self_attn.k_norm.weight");
    }
    boolean sliding = v.isSliding(l);
    if (v.usesRope(l)) {
      NDArray[] cs = step.cosSin(sliding);
      q = rotate(q, cs[0], cs[1]);
      k = rotate(k, cs[0], cs[1]);
    }
    if (cache != null) {
      if (cache.keys[l] != null) {
        k = cache.keys[l].concat(k, 2);
        val = cache.values[l].concat(val, 2);
      }
      cache.keys[l] = k;
      cache.values[l] = val;
    }
    long s = k.getShape().get(2);
    // grouped-query attention: query heads h*G..h*G+G-1 share key/value head h
    NDArray qg = q.reshape(b, kvHeads, groups * t, hd);
    // the scale as a tensor of the activations' manager, not a Java number: DJL turns a number
    // operand into a temporary tensor over a Java buffer and frees it right after the op, but
    // autograd keeps it for mul's backward, which then reads freed memory (wrong gradients)
    double scalar = v.queryPreAttnScalar() > 0 ? v.queryPreAttnScalar() : hd;
    NDArray scores = product(qg, k.transpose(0, 1, 3, 2))
        .mul(scalar(qg, (float) (1 / Math.sqrt(scalar))));
    if (v.attnSoftcap() > 0) {
      scores = softcap(scores, v.attnSoftcap());
    }
    scores = scores.reshape(b, kvHeads, groups, t, s).add(step.bias(sliding));
    NDArray probs = scores.softmax(-1).reshape(b, kvHeads, groups * t, s);
    NDArray out = product(probs, val).reshape(b, heads, t, hd).transpose(0, 2, 1, 3)
        .reshape(b, t, (long) heads * hd);
    return linear(out, p + "self_attn.o_proj.weight", p + "self_attn.o_proj.bias");
  }

  /** cap * tanh(x / cap) (Gemma 2's soft-capping of attention scores and logits). */
  private static NDArray softcap(NDArray x, double cap) {
    return x.div(scalar(x, (float) cap)).tanh().mul(scalar(x, (float) cap));
  }

  /** A scalar tensor in {@code like}'s manager (see the note on number operands above). */
  private static NDArray scalar(NDArray like, float v) {
    return like.getManager().create(v);
  }

  /** (B, T, heads*hd) -> (B, heads, T, hd). */
  private NDArray heads(NDArray x, int n) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), n, config.headDim()).transpose(0, 2, 1, 3);
  }

  /**
   * RoPE, rotate-half form over the first rotary dims: x*cos + rotate_half(x)*sin; the rest
   * of each head (partial_rotary_factor) passes unrotated.
   */
  private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
    int last = x.getShape().dimension() - 1;
    int rd = config.rotaryDim();
    NDArray pass = null;
    if (rd < config.headDim()) {
      NDList parts = x.split(new long[] {rd}, last);
      x = parts.get(0);
      pass = parts.get(1);
    }
    NDList halves = x.split(2, last);
    NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), last);
    NDArray out = x.mul(cos).add(rotated.mul(sin));
    return pass == null ? out : NDArrays.concat(new NDList(out, pass), last);
  }

  /**
   * The variant's norm over the last axis with gain {@code gainName} (null: no gain): RMSNorm
   * x / sqrt(mean(x^2) + eps) * w, Gemma's * (1 + w), or OLMo's LayerNorm without weights.
   */
  private NDArray norm(NDArray x, String gainName) {
    DecoderVariant.Norm kind = config.variant().norm();
    if (kind == DecoderVariant.Norm.LAYER_NORM) {
      NDArray centred = x.sub(x.mean(new int[] {-1}, true));
      NDArray variance = centred.square().mean(new int[] {-1}, true);
      return centred.div(variance.add(config.rmsNormEps()).sqrt());
    }
    NDArray meanSquare = x.square().mean(new int[] {-1}, true);
    NDArray normed = x.div(meanSquare.add(config.rmsNormEps()).sqrt());
    if (gainName == null) {
      return normed;
    }
    NDArray scaled = normed.mul(parameter(gainName));
    // (1 + w) as normed + normed * w: an op on the parameter itself would leak (see FastWeights)
    return kind == DecoderVariant.Norm.RMS_ONE_PLUS ? normed.add(scaled) : scaled;
  }

  /** x W^T (+ b), plus the adapter on that weight if one is set. */
  private NDArray linear(NDArray x, String weight, String biasName) {
    NDArray bias = biasName == null ? null : params.get(biasName);
    NDArray y;
    NDArray half = computeType == DataType.FLOAT32 ? halfProduct(x, parameter(weight)) : null;
    if (half != null) {
      y = bias == null ? half : half.addi(bias);
    } else if (computeType == DataType.FLOAT32) {
      y = x.getNDArrayInternal().linear(x, widened(parameter(weight), x), bias)
          .singletonOrThrow();
    } else {
      // a float16 weight is used as it is (no widening to float32 and back)
      NDManager m = x.getManager();
      NDArray xc = cast(x, computeType, m);
      y = cast(xc.getNDArrayInternal().linear(xc, cast(parameter(weight), computeType, m),
          bias == null ? null : cast(bias, computeType, m)).singletonOrThrow(), DataType.FLOAT32, m);
    }
    LinearAdapter a = adapters.get(weight);
    return a == null ? y : y.add(a.forward(x));
  }

  /** Rows of the output head widened at a time: a float32 copy of at most 32 MB. */
  static final long HEAD_CHUNK_BYTES = 32L << 20;

  /**
   * The output head over a float16 matrix, a block of vocabulary rows at a time, so that no
   * float32 copy of the whole (vocab, hidden) matrix is ever made.
   */
  private NDArray chunkedHead(NDArray hidden, NDArray w) {
    NDArray half = halfProduct(hidden, w);
    if (half != null) {
      return half;
    }
    long vocab = w.getShape().get(0);
    long d = w.getShape().get(1);
    long rows = Math.max(1, HEAD_CHUNK_BYTES / (d * Float.BYTES));
    NDList parts = new NDList();
    for (long r = 0; r < vocab; r += rows) {
      long end = Math.min(vocab, r + rows);
      NDArray block = ai.djl.pytorch.jni.JniUtils.slice((ai.djl.pytorch.engine.PtNDArray) w, 0,
          r, end, 1);
      NDScope.unregister(block);
      block.attach(hidden.getManager());
      parts.add(hidden.getNDArrayInternal().linear(hidden, widened(block, hidden), null)
          .singletonOrThrow());
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    NDArray logits = NDArrays.concat(parts, -1);
    parts.close(); // concat's backward keeps none of them: free the second copy of the logits
    return logits;
  }

  /** Whether a decoding session is running a step (see {@link #decoding()}). */
  private boolean decoding;

  /** Marks a decoding session's step while it is open. */
  final class Decoding implements AutoCloseable {
    private final boolean before = decoding;

    private Decoding() {
      decoding = true;
    }

    @Override
    public void close() {
      decoding = before;
    }
  }

  /**
   * Opens a decoding step: products of a few rows may then run in float16 ({@link
   * #halfProduct}). Only decoding sessions do: training, scoring and log-prob passes keep one
   * numerical path whatever their batch, so a policy's old and new log-probs agree exactly.
   */
  Decoding decoding() {
    return new Decoding();
  }

  /**
   * Rows up to which a product with a float16 weight runs in float16 itself while decoding.
   * libtorch's float16 matrix-vector kernel reads the weight once and accumulates in float32;
   * widening the weight to float32 first streams it three times (read, write, read), 3-14x
   * slower for one row on a 2-core AVX-512 CPU. Its float16 matrix-matrix kernel has no fast
   * path without AVX512-FP16, so past about 8 rows widening wins (measured: 1 row 0.26 ms
   * against 0.86-4 ms, 8 rows 1.6 against 1.4-5.5 ms, 32 rows 6.7 against 3.3-7 ms, for
   * Qwen2.5-0.5B's 4864 x 896 gate).
   */
  static final long HALF_PRODUCT_ROWS = 8;

  /**
   * x W^T for a float16 weight in float16, widened back to float32: decoding a few rows of a
   * 16-bit model (chat, side-by-side chat). Null where it does not apply (not a decoding step,
   * a float32 weight, more rows, or gradients may be recorded) or where a value left
   * float16's range (the result is not finite): the caller then computes in float32 from a
   * widened weight. The inputs are rounded to float16's 11 significant bits, finer than the
   * bfloat16 activations transformers computes a bfloat16 model with.
   */
  private NDArray halfProduct(NDArray x, NDArray w) {
    if (!decoding || w.getDataType() != DataType.FLOAT16
        || ai.djl.pytorch.jni.JniUtils.isGradMode() && mayRecord()) {
      return null;
    }
    Shape s = x.getShape();
    if (s.size() / s.get(s.dimension() - 1) > HALF_PRODUCT_ROWS) {
      return null;
    }
    NDArray x16 = x.toType(DataType.FLOAT16, false);
    NDArray y16 = x16.getNDArrayInternal().linear(x16, w, null).singletonOrThrow();
    NDArray y = y16.toType(DataType.FLOAT32, false);
    x16.close();
    y16.close();
    NDArray total = y.sum();
    boolean finite = Float.isFinite(total.getFloat());
    total.close();
    if (!finite) {
      y.close();
      return null;
    }
    return y;
  }

  /**
   * A float16 weight as float32, just in time: when gradients flow through {@code input} a
   * fresh copy that autograd keeps until the backward pass (with gradient checkpointing, one
   * layer's worth); otherwise a reused scratch array per shape, so inference holds one
   * layer's float32 copy at most. Float32 weights pass through.
   */
  private NDArray widened(NDArray w, NDArray input) {
    if (w.getDataType() == DataType.FLOAT32) {
      return w;
    }
    if (ai.djl.pytorch.jni.JniUtils.isGradMode() && mayRecord()) {
      // the backward pass of x W^T needs W: a scratch array overwritten later would corrupt it
      NDArray wide = w.toType(DataType.FLOAT32, true);
      wide.attach(input.getManager());
      return wide;
    }
    Shape s = w.getShape();
    NDArray buf = scratch.get(s);
    if (buf == null) {
      buf = manager.zeros(s);
      NDScope.unregister(buf);
      scratch.put(s, buf);
    }
    buf.set(ALL, w);
    return buf;
  }

  private static final ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex(":");

  /** a b (batched), in the compute type, widened back to float32. */
  private NDArray product(NDArray a, NDArray b) {
    if (computeType == DataType.FLOAT32) {
      return a.matMul(b);
    }
    NDManager m = a.getManager();
    return cast(cast(a, computeType, m).matMul(cast(b, computeType, m)), DataType.FLOAT32, m);
  }

  /**
   * {@code a} as {@code type}, in manager {@code m}, as an op autograd records: DJL's
   * {@code toType} runs under libtorch's no-grad guard (no gradient would flow back through
   * it), so the value is added in place into zeros of the new type, which autograd follows
   * and whose backward hands the gradient back in {@code a}'s type.
   */
  static NDArray cast(NDArray a, DataType type, NDManager m) {
    if (a.getDataType() == type) {
      return a;
    }
    return m.zeros(a.getShape(), type).addi(a);
  }

  /** cos and sin (B, 1, T, rotary dims) at each token's position. */
  private static NDArray[] cosSinOf(NDManager m, Rope rope, int[][] pos) {
    int b = pos.length;
    int t = pos[0].length;
    int rd = rope.rotaryDim();
    int longest = 0;
    for (int[] row : pos) {
      for (int p : row) {
        longest = Math.max(longest, p + 1);
      }
    }
    boolean longFactors = rope.usesLong(longest);
    float[] cos = new float[b * t * rd];
    float[] sin = new float[b * t * rd];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        rope.fill(pos[i][j], false, cos, (i * t + j) * rd, longFactors);
        rope.fill(pos[i][j], true, sin, (i * t + j) * rd, longFactors);
      }
    }
    Shape s = new Shape(b, 1, t, rd);
    return new NDArray[] {m.create(cos, s), m.create(sin, s)};
  }

  // ---------------------------------------------------------------- fast decoding path

  /**
   * Rebuilds the derived decoding weights from the current parameters (and merged adapters).
   * Call after training steps change the parameters; open sessions become invalid, except the
   * pooled one, whose cache (hundreds of MB for a GRPO batch) the next {@link #pooledSession}
   * takes over with the new weights: an RL step then rebuilds only the weights.
   */
  public void refreshInference() {
    if (fast != null) {
      fast.close();
      fast = null;
    }
    if (pooled != null && pooled.weights() == null) {
      pooled.close();
      pooled = null;
    }
  }

  /** Frees the derived decoding weights and cached session (rebuilt on next use). */
  public void releaseInference() {
    if (pooled != null) {
      pooled.close();
      pooled = null;
    }
    if (fast != null) {
      fast.close();
      fast = null;
    }
  }

  FastWeights fastWeights() {
    if (fast == null) {
      fast = FastWeights.build(this);
    }
    return fast;
  }

  /**
   * A fresh decoding session for {@code batch} rows and up to {@code capacity} cache slots
   * (prompt and padding included). The caller closes it and keeps each row's positions within
   * max_position_embeddings.
   */
  public DecodeSession newSession(int batch, int capacity) {
    return fastDecodes(capacity) ? new DecodeSession(fastWeights(), batch, capacity)
        : new DecodeSession(new ForwardSession(this, batch, capacity));
  }

  /**
   * Whether the fast decoder computes this model exactly for sessions of {@code capacity}
   * slots: its variant allows, no sliding window is shorter than the session, and one RoPE
   * table serves it (longrope switches factors past original_max_position_embeddings).
   */
  public boolean fastDecodes(int capacity) {
    DecoderVariant v = config.variant();
    return v.fastDecodable() && !halfWeights() && (!v.hasSlidingLayers() || capacity <= v.slidingWindow())
        && capacity <= rope.singleTableUpTo();
  }

  /**
   * A session for {@code batch} rows and at least {@code capacity} positions, reset, and kept
   * by the model for the next call (its cache and views are reused). Do not close it.
   */
  public DecodeSession pooledSession(int batch, int capacity) {
    if (!fastDecodes(capacity)) {
      if (pooled != null && pooled.batch() == batch && pooled.capacity() >= capacity
          && pooled.weights() == null) {
        pooled.reset();
        return pooled;
      }
      if (pooled != null) {
        pooled.close();
      }
      pooled = new DecodeSession(new ForwardSession(this, batch, capacity));
      return pooled;
    }
    FastWeights w = fastWeights();
    if (pooled != null && pooled.batch() == batch && pooled.capacity() >= capacity
        && (pooled.weights() == w || pooled.rebind(w))) {
      pooled.reset();
      return pooled;
    }
    if (pooled != null) {
      pooled.close();
      pooled = null;
    }
    pooled = new DecodeSession(w, batch, capacity);
    return pooled;
  }

  Rope rope() {
    return rope;
  }

  /** The inference-only parameter map (for the forward session). */
  Map<String, NDArray> params() {
    return params;
  }

  @Override
  public void close() {
    releaseInference();
    scratch.clear();
    manager.close();
  }
}
