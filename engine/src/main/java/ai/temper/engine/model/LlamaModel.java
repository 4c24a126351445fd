package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.temper.engine.Devices;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A Llama-family decoder (Llama, Qwen2, Mistral-style) over DJL NDArrays, with Hugging Face
 * semantics and parameter names. Two ways through the same weights:
 *
 * <ul>
 *   <li>{@link #forward} / {@link #hiddenStates}: full sequences in plain math form, for
 *       training and scoring (gradients flow to {@link #parameters()} inside a
 *       GradientCollector);
 *   <li>{@link #newSession}: fast incremental decoding with a KV cache over derived, folded
 *       weights, rebuilt by {@link #refreshInference()} after the parameters change.
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
  private FastWeights fast;
  private DecodeSession pooled;

  private LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> params) {
    this.config = config;
    this.manager = manager;
    this.params = params;
    this.rope = new Rope(config);
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
    new Rope(config); // unsupported RoPE scaling fails before any allocation
    NDManager m = parent.newSubManager();
    Map<String, NDArray> p = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, long[]> e : parameterShapes(config).entrySet()) {
        Tensor t = weights.require(e.getKey(), source, e.getValue());
        NDArray a = m.create(t.data(), new Shape(t.shape()));
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
    long d = c.hiddenSize();
    long q = c.queryDim();
    long kv = c.kvDim();
    long f = c.intermediateSize();
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      s.put(p + "input_layernorm.weight", new long[] {d});
      s.put(p + "self_attn.q_proj.weight", new long[] {q, d});
      s.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
      s.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
      if (c.attentionBias()) {
        s.put(p + "self_attn.q_proj.bias", new long[] {q});
        s.put(p + "self_attn.k_proj.bias", new long[] {kv});
        s.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      s.put(p + "self_attn.o_proj.weight", new long[] {d, q});
      s.put(p + "post_attention_layernorm.weight", new long[] {d});
      s.put(p + "mlp.gate_proj.weight", new long[] {f, d});
      s.put(p + "mlp.up_proj.weight", new long[] {f, d});
      s.put(p + "mlp.down_proj.weight", new long[] {d, f});
    }
    s.put("model.norm.weight", new long[] {d});
    if (!c.tieWordEmbeddings()) {
      s.put("lm_head.weight", new long[] {c.vocabSize(), d});
    }
    return s;
  }

  public LlamaConfig config() {
    return config;
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
      sd.put(e.getKey(), new Tensor(a.getShape().getShape(), a.toFloatArray()));
    }
    return sd;
  }

  // ---------------------------------------------------------------- training / scoring path

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
    String head = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    return linear(hidden, head, null);
  }

  /** The final normed hidden states (B, T, hidden), for reward heads and embeddings. */
  public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask) {
    Shape shape = inputIds.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("input ids must be (batch, time), got " + shape);
    }
    int b = (int) shape.get(0);
    int t = (int) shape.get(1);
    NDManager m = inputIds.getManager();
    int[] mask = attentionMask == null ? null
        : attentionMask.toType(DataType.INT32, false).toIntArray();
    NDArray[] cosSin = cosSin(m, b, t, mask);
    NDArray bias = attentionBias(m, b, t, mask);
    NDArray x = inputIds.getNDArrayInternal()
        .embedding(inputIds, parameter("model.embed_tokens.weight"), SparseFormat.DENSE)
        .singletonOrThrow();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      x = block(l, x, cosSin[0], cosSin[1], bias);
    }
    return rmsNorm(x, parameter("model.norm.weight"));
  }

  /** One decoder layer: pre-norm attention and pre-norm SwiGLU MLP, each added back. */
  private NDArray block(int l, NDArray x, NDArray cos, NDArray sin, NDArray bias) {
    String p = "model.layers." + l + ".";
    NDArray h = rmsNorm(x, parameter(p + "input_layernorm.weight"));
    x = x.add(attention(p, h, cos, sin, bias));
    h = rmsNorm(x, parameter(p + "post_attention_layernorm.weight"));
    NDArray gate = linear(h, p + "mlp.gate_proj.weight", null);
    NDArray up = linear(h, p + "mlp.up_proj.weight", null);
    NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up); // silu(gate) * up
    return x.add(linear(act, p + "mlp.down_proj.weight", null));
  }

  private NDArray attention(String p, NDArray h, NDArray cos, NDArray sin, NDArray bias) {
    long b = h.getShape().get(0);
    long t = h.getShape().get(1);
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int hd = config.headDim();
    int groups = heads / kvHeads;
    NDArray q = heads(linear(h, p + "self_attn.q_proj.weight", p + "self_attn.q_proj.bias"),
        heads);
    NDArray k = heads(linear(h, p + "self_attn.k_proj.weight", p + "self_attn.k_proj.bias"),
        kvHeads);
    NDArray v = heads(linear(h, p + "self_attn.v_proj.weight", p + "self_attn.v_proj.bias"),
        kvHeads);
    q = rotate(q, cos, sin);
    k = rotate(k, cos, sin);
    // grouped-query attention: query heads h*G..h*G+G-1 share key/value head h
    NDArray qg = q.reshape(b, kvHeads, groups * t, hd);
    // the scale as a tensor of the activations' manager, not a Java number: DJL turns a number
    // operand into a temporary tensor over a Java buffer and frees it right after the op, but
    // autograd keeps it for mul's backward, which then reads freed memory (wrong gradients)
    NDArray scale = qg.getManager().create((float) (1.0 / Math.sqrt(hd)));
    NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)).mul(scale)
        .reshape(b, kvHeads, groups, t, t).add(bias);
    NDArray probs = scores.softmax(-1).reshape(b, kvHeads, groups * t, t);
    NDArray out = probs.matMul(v).reshape(b, heads, t, hd).transpose(0, 2, 1, 3)
        .reshape(b, t, (long) heads * hd);
    return linear(out, p + "self_attn.o_proj.weight", null);
  }

  /** (B, T, heads*hd) -> (B, heads, T, hd). */
  private NDArray heads(NDArray x, int n) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), n, config.headDim()).transpose(0, 2, 1, 3);
  }

  /** RoPE, rotate-half form: x*cos + rotate_half(x)*sin. */
  private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
    int last = x.getShape().dimension() - 1;
    NDList halves = x.split(2, last);
    NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), last);
    return x.mul(cos).add(rotated.mul(sin));
  }

  private NDArray rmsNorm(NDArray x, NDArray gain) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true);
    return x.div(meanSquare.add(config.rmsNormEps()).sqrt()).mul(gain);
  }

  /** x W^T (+ b), plus the adapter on that weight if one is set. */
  private NDArray linear(NDArray x, String weight, String biasName) {
    NDArray bias = biasName == null ? null : params.get(biasName);
    NDArray y = x.getNDArrayInternal().linear(x, parameter(weight), bias).singletonOrThrow();
    LinearAdapter a = adapters.get(weight);
    return a == null ? y : y.add(a.forward(x));
  }

  /** cos and sin (B, 1, T, head_dim) at each token's position (real tokens counted). */
  private NDArray[] cosSin(NDManager m, int b, int t, int[] mask) {
    int hd = config.headDim();
    float[] cos = new float[b * t * hd];
    float[] sin = new float[b * t * hd];
    for (int i = 0; i < b; i++) {
      int seen = 0;
      for (int j = 0; j < t; j++) {
        int pos;
        if (mask == null) {
          pos = j;
        } else if (mask[i * t + j] != 0) {
          pos = seen++;
        } else {
          pos = 1; // padding: HF's placeholder position, never attended to
        }
        rope.fill(pos, false, cos, (i * t + j) * hd);
        rope.fill(pos, true, sin, (i * t + j) * hd);
      }
    }
    Shape s = new Shape(b, 1, t, hd);
    return new NDArray[] {m.create(cos, s), m.create(sin, s)};
  }

  /** Additive bias (B|1, 1, 1, T, T): causal, and padded keys masked. */
  private static NDArray attentionBias(NDManager m, int b, int t, int[] mask) {
    int rows = mask == null ? 1 : b;
    float[] bias = new float[rows * t * t];
    for (int i = 0; i < rows; i++) {
      for (int q = 0; q < t; q++) {
        for (int k = 0; k < t; k++) {
          boolean visible = k <= q && (mask == null || mask[i * t + k] != 0);
          bias[(i * t + q) * t + k] = visible ? 0f : MASKED;
        }
      }
    }
    return m.create(bias, new Shape(rows, 1, 1, t, t));
  }

  // ---------------------------------------------------------------- fast decoding path

  /**
   * Rebuilds the derived decoding weights from the current parameters (and merged adapters).
   * Call after training steps change the parameters; open sessions become invalid.
   */
  public void refreshInference() {
    releaseInference();
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
    return new DecodeSession(fastWeights(), batch, capacity);
  }

  /**
   * A session for {@code batch} rows and at least {@code capacity} positions, reset, and kept
   * by the model for the next call (its cache and views are reused). Do not close it.
   */
  public DecodeSession pooledSession(int batch, int capacity) {
    FastWeights w = fastWeights();
    if (pooled != null && pooled.batch() == batch && pooled.capacity() >= capacity
        && pooled.weights() == w) {
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

  @Override
  public void close() {
    releaseInference();
    manager.close();
  }
}
