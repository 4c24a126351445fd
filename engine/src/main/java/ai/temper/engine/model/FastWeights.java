package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;

/**
 * Decoding weights derived from a model's parameters so that one decode step needs as few
 * native calls as possible (each costs microseconds, which dominates small models) and streams
 * no more weight bytes than needed (which dominates larger ones):
 *
 * <ul>
 *   <li>The residual stream carries one extra constant component c = sqrt(hidden * eps), so
 *       RMSNorm becomes x / |x|: x / sqrt(mean(x^2) + eps) equals sqrt(hidden) * [x, c] / |[x, c]|
 *       on the first hidden entries. The norm gains and sqrt(hidden) fold into the next
 *       weights, whose column for c is zero.
 *   <li>One matmul gives q, k and v, with the attention scale 1/sqrt(head_dim) folded into the
 *       q rows. For tiny models ({@link #foldedRope}) it also gives rot(q) and rot(k): the
 *       rotate-half of RoPE is a fixed signed row permutation, so RoPE is then q*cos + rot(q)*sin
 *       with no data movement; rows are [q | k0 v0 | k1 v1 ... | rot(q) | rot(k0) 0 | ...], k
 *       and v of a KV head side by side as the cache slot (KV, 2, head_dim) stores them. For
 *       larger models those extra rows would cost more to stream than the few ops of rotating
 *       after the matmul (a flip of the head halves), so rows are [q | k | v].
 *   <li>gate and up are one matmul; the residual adds come free as the bias of o_proj and
 *       down_proj (addmm), whose output rows get a zero row for c.
 * </ul>
 */
final class FastWeights implements AutoCloseable {
  final LlamaConfig config;
  final NDManager manager;
  final Rope rope;
  /**
   * Extra weight bytes per layer up to which RoPE is folded into the q/k rows: below this,
   * streaming them costs less than the ~5 native calls (~12 us) of rotating after the matmul.
   */
  static final long FOLD_LIMIT_BYTES = 128 * 1024;
  /** Sizes: hidden+1 (stream width), N = (heads + 2 kv heads) * head_dim. */
  final int width;
  final int n;
  final boolean foldedRope;
  PtNDArray embed;
  PtNDArray lmHead;
  final PtNDArray[] attn;
  final PtNDArray[] attnBias;
  final PtNDArray[] out;
  /** o_proj's bias (width,) with a zero for the constant component, or null entries. */
  final PtNDArray[] outBias;
  final PtNDArray[] gateUp;
  final PtNDArray[] down;
  private PtNDArray[] embedRows;
  private boolean closed;

  private FastWeights(LlamaConfig c, NDManager manager, Rope rope) {
    this.config = c;
    this.manager = manager;
    this.rope = rope;
    this.width = c.hiddenSize() + 1;
    this.n = (c.numAttentionHeads() + 2 * c.numKeyValueHeads()) * c.headDim();
    this.foldedRope = (long) n * width * 4 <= FOLD_LIMIT_BYTES;
    int layers = c.numHiddenLayers();
    attn = new PtNDArray[layers];
    attnBias = new PtNDArray[layers];
    out = new PtNDArray[layers];
    outBias = new PtNDArray[layers];
    gateUp = new PtNDArray[layers];
    down = new PtNDArray[layers];
  }

  static FastWeights build(LlamaModel model) {
    LlamaConfig c = model.config();
    NDManager fm = model.manager().newSubManager();
    FastWeights w = new FastWeights(c, fm, model.rope());
    // Everything made from the parameters in here is closed with the scope, except what is
    // kept: ops on parameters would otherwise attach their results to the model's manager.
    // Each layer's temporaries go with a scope of their own, so the build's peak is the
    // derived weights plus one layer's working copies, not several copies of every weight.
    try (NDScope scope = new NDScope()) {
      Builder b = new Builder(model, fm);
      double rootD = Math.sqrt(c.hiddenSize());
      float c0 = (float) Math.sqrt(c.hiddenSize() * c.rmsNormEps());
      for (int l = 0; l < c.numHiddenLayers(); l++) {
        try (NDScope layer = new NDScope()) {
          String p = "model.layers." + l + ".";
          NDArray g1 = b.gain(p + "input_layernorm.weight", rootD);
          NDArray[] qkv = b.attentionRows(p, w.foldedRope);
          w.attn[l] = b.keepFresh(b.padColumn(qkv[0].mul(g1)));
          w.attnBias[l] = qkv[1] == null ? null : b.keep(qkv[1]);
          w.out[l] = b.keepFresh(b.padRow(b.weight(p + "self_attn.o_proj.weight")));
          NDArray ob = model.parameters().get(p + "self_attn.o_proj.bias");
          if (ob != null) {
            w.outBias[l] = b.keepFresh(NDArrays.concat(new NDList(ob.stopGradient(),
                ob.getManager().zeros(new Shape(1))), 0));
          }
          NDArray g2 = b.gain(p + "post_attention_layernorm.weight", rootD);
          NDArray gu = c.variant().fusedGateUp() ? b.weight(p + "mlp.gate_up_proj.weight")
              : NDArrays.concat(new NDList(b.weight(p + "mlp.gate_proj.weight"),
                  b.weight(p + "mlp.up_proj.weight")), 0);
          w.gateUp[l] = b.keepFresh(b.padColumn(gu.mul(g2)));
          w.down[l] = b.keepFresh(b.padRow(b.weight(p + "mlp.down_proj.weight")));
        }
      }
      try (NDScope head = new NDScope()) {
        NDArray gf = b.gain("model.norm.weight", rootD);
        NDArray emb = b.weight("model.embed_tokens.weight");
        NDArray lm = c.tieWordEmbeddings() ? emb : b.weight("lm_head.weight");
        w.lmHead = b.keepFresh(b.padColumn(lm.mul(gf)));
      }
      try (NDScope embed = new NDScope()) {
        NDArray emb = b.weight("model.embed_tokens.weight");
        NDArray constant = emb.getManager().full(new Shape(c.vocabSize(), 1), c0);
        w.embed = b.keepFresh(NDArrays.concat(new NDList(emb, constant), 1));
      }
      return w;
    } catch (RuntimeException e) {
      fm.close();
      throw e;
    }
  }

  /** Helpers for deriving weights inside the build scope. */
  private static final class Builder {
    private final LlamaModel model;
    private final NDManager keepIn;
    private final LlamaConfig c;

    Builder(LlamaModel model, NDManager keepIn) {
      this.model = model;
      this.keepIn = keepIn;
      this.c = model.config();
    }

    /** The weight with its adapter (if any) merged. */
    NDArray weight(String name) {
      NDArray w = model.parameter(name).stopGradient();
      LinearAdapter a = model.adapters().get(name);
      return a == null ? w : w.add(a.weightDelta().stopGradient());
    }

    /** A norm's gain times sqrt(hidden): w, or Gemma's 1 + w. */
    NDArray gain(String name, double rootD) {
      NDArray g = model.parameter(name).stopGradient();
      if (c.variant().norm() == DecoderVariant.Norm.RMS_ONE_PLUS) {
        g = g.add(1f);
      }
      return g.mul(rootD);
    }

    NDArray bias(String name) {
      NDArray b = model.parameters().get(name);
      return b == null ? null : b.stopGradient().reshape(-1, 1);
    }

    /** The big attention matrix rows (and bias column, or null), before the norm gain. */
    NDArray[] attentionRows(String p, boolean folded) {
      int heads = c.numAttentionHeads();
      int kv = c.numKeyValueHeads();
      int hd = c.headDim();
      double scale = 1.0 / Math.sqrt(hd);
      NDArray wq;
      NDArray wk;
      NDArray wv;
      if (c.variant().fusedQkv()) { // Phi-3: rows [q | k | v] of one qkv_proj
        long q = c.queryDim();
        NDList rows = weight(p + "self_attn.qkv_proj.weight").split(
            new long[] {q, q + c.kvDim()}, 0);
        wq = rows.get(0).mul(scale);
        wk = rows.get(1);
        wv = rows.get(2);
      } else {
        wq = weight(p + "self_attn.q_proj.weight").mul(scale);
        wk = weight(p + "self_attn.k_proj.weight");
        wv = weight(p + "self_attn.v_proj.weight");
      }
      NDArray rows = folded ? assemble(wq, wk, wv, heads, kv, hd)
          : NDArrays.concat(new NDList(wq, wk, wv), 0);
      NDArray bq = bias(p + "self_attn.q_proj.bias");
      NDArray bias = null;
      if (bq != null) {
        NDArray bk = bias(p + "self_attn.k_proj.bias");
        NDArray bv = bias(p + "self_attn.v_proj.bias");
        bias = (folded ? assemble(bq.mul(scale), bk, bv, heads, kv, hd)
            : NDArrays.concat(new NDList(bq.mul(scale), bk, bv), 0)).reshape(-1);
      }
      return new NDArray[] {rows, bias};
    }

    /** [q | k0 v0 | k1 v1 ... | rot(q) | rot(k0) 0 | rot(k1) 0 ...] as rows. */
    private NDArray assemble(NDArray q, NDArray k, NDArray v, int heads, int kv, int hd) {
      long cols = q.getShape().get(1);
      NDArray kvRows = interleave(k, v, kv, hd, cols);
      NDArray kvRot = interleave(rotateRows(k, kv, hd), k.zerosLike(), kv, hd, cols);
      return NDArrays.concat(new NDList(q, kvRows, rotateRows(q, heads, hd), kvRot), 0);
    }

    private static NDArray interleave(NDArray a, NDArray b, int kv, int hd, long cols) {
      return NDArrays.concat(new NDList(a.reshape(kv, 1, hd, cols), b.reshape(kv, 1, hd, cols)),
          1).reshape((long) kv * 2 * hd, cols);
    }

    /** Rows of rotate_half per head: [-second half; first half]. */
    private static NDArray rotateRows(NDArray w, int heads, int hd) {
      long cols = w.getShape().get(1);
      NDList halves = w.reshape(heads, 2, hd / 2, cols).split(2, 1);
      return NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 1)
          .reshape((long) heads * hd, cols);
    }

    /** Appends a zero column (the weight of the constant stream component). */
    NDArray padColumn(NDArray w) {
      NDArray zero = w.getManager().zeros(new Shape(w.getShape().get(0), 1));
      return NDArrays.concat(new NDList(w, zero), 1);
    }

    /** Appends a zero output row (the constant stream component stays constant). */
    NDArray padRow(NDArray w) {
      NDArray zero = w.getManager().zeros(new Shape(1, w.getShape().get(1)));
      return NDArrays.concat(new NDList(w, zero), 0);
    }

    PtNDArray keep(NDArray a) {
      return keepFresh(a.duplicate()); // contiguous, and not a view of anything closed later
    }

    /** Keeps an array that is already its own contiguous storage (a concat's result). */
    PtNDArray keepFresh(NDArray a) {
      NDScope.unregister(a);
      a.attach(keepIn);
      return (PtNDArray) a;
    }
  }

  /** The (1, width) embedding row of token {@code id}, a view prepared on first use. */
  PtNDArray embedRow(int id) {
    if (id < 0 || id >= config.vocabSize()) {
      throw new IllegalArgumentException("token id " + id + " outside the vocabulary");
    }
    if (embedRows == null) {
      embedRows = new PtNDArray[config.vocabSize()];
    }
    PtNDArray row = embedRows[id];
    if (row == null) {
      row = ai.djl.pytorch.jni.JniUtils.slice(embed, 0, id, id + 1, 1);
      NDScope.unregister(row);
      embedRows[id] = row;
    }
    return row;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    manager.close();
  }
}
