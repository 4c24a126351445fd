package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.temper.engine.TemperException;
import java.util.Arrays;

/**
 * Incremental decoding of a batch of rows with a preallocated KV cache. All rows advance
 * together, one cache slot per call of {@link #step}; a slot may be invalid for some rows
 * (padding), and then those rows never attend to it and their positions skip it. So rows of
 * different prompt lengths, left- or right-padded, give the same logits as each row alone.
 *
 * <p>The cache of each layer is (B * kv heads, 2, S, head_dim), k and v of a slot each a
 * row of head_dim: the slot prefix of k is a row-major (n, head_dim) matrix read transposed and
 * that of v one read as it is, so both attention matmuls are plain bmm calls on views that BLAS
 * reads without copies, and a slot's k and v are written by one in-place add. With positions
 * last instead, (B * kv heads, 2, head_dim, S), the two bmm calls took 1.5 to 2.8 times as long
 * at 128 rows x 6 heads (one thread, 20 to 110 slots; the same at 1 to 32 rows), and a
 * (B, kv heads, S, 2, head_dim) layout was slower still. Views of the cache prefixes and slots,
 * the RoPE rows, the embedding rows and the mask are made once and kept, so a step issues only
 * the ops of the math. Each step's temporaries live in an NDScope of their own and are freed when it ends.
 */
public final class DecodeSession implements AutoCloseable {
  /** The weights it decodes with; replaced by {@link #rebind} when they are rebuilt. */
  private FastWeights w;
  /** Set when the fast decoder cannot compute the model: every call goes there. */
  private final ForwardSession forward;
  private final int batch;
  private final int capacity;
  private NDManager manager;
  private int heads;
  private int kvHeads;
  private int headDim;
  /** q and k heads: the ones RoPE rotates. */
  private int rotated;
  /** Output sizes of the q/k/v matmul, split: see {@link #project}. */
  private long[] parts;
  private PtNDArray[] cache;
  /** The same as (B, KV, 2, S, hd), for the prefill's copies. */
  private PtNDArray[] cache5;
  private PtNDArray[] keysT;
  private PtNDArray[] values;
  private PtNDArray[][] keysTPrefix;
  private PtNDArray[][] valuesPrefix;
  /** Cache slots per layer and position: (B*KV, 2, 1, hd) folded, else k and v apart. */
  private PtNDArray[][] slots;
  private PtNDArray[][] valueSlots;
  /** Folded: rows [cos | sin] (S, 2N). Else cos (S, M) and signed sin (S, M), M = q+k dims. */
  private PtNDArray cosTable;
  private PtNDArray sinTable;
  private PtNDArray[] cosRows;
  private PtNDArray[] sinRows;
  private PtNDArray mask;
  private PtNDArray[] maskPrefix;
  private PtNDArray zero;
  private boolean[][] valid;
  private int[] nextPos;
  private int length;
  private boolean padded;
  private boolean closed;

  /** A session through the forward math (see {@link LlamaModel#fastDecodes}). */
  DecodeSession(ForwardSession forward) {
    this.w = null;
    this.forward = forward;
    this.batch = forward.batch();
    this.capacity = forward.capacity();
  }

  DecodeSession(FastWeights w, int batch, int capacity) {
    if (batch <= 0 || capacity <= 0) {
      throw new IllegalArgumentException("batch and capacity must be positive");
    }
    LlamaConfig c = w.config;
    this.w = w;
    this.forward = null;
    this.batch = batch;
    this.capacity = capacity;
    this.heads = c.numAttentionHeads();
    this.kvHeads = c.numKeyValueHeads();
    this.headDim = c.headDim();
    this.rotated = heads + kvHeads;
    long q = (long) heads * headDim;
    long kv = (long) kvHeads * headDim;
    this.parts = w.foldedRope ? new long[] {q, 2 * kv, q, 2 * kv}
        : new long[] {(long) rotated * headDim, kv};
    int layers = c.numHiddenLayers();
    // beside the weights, not under them: the cache outlives a rebuild of the weights
    this.manager = w.manager.getParentManager().newSubManager();
    cache = new PtNDArray[layers];
    cache5 = new PtNDArray[layers];
    keysT = new PtNDArray[layers];
    values = new PtNDArray[layers];
    keysTPrefix = new PtNDArray[layers][capacity + 1];
    valuesPrefix = new PtNDArray[layers][capacity + 1];
    slots = new PtNDArray[layers][capacity];
    valueSlots = new PtNDArray[layers][capacity];
    long rows = (long) batch * kvHeads;
    for (int l = 0; l < layers; l++) {
      cache[l] = hold(manager.zeros(new Shape(rows, 2, capacity, headDim)));
      cache5[l] = hold(JniUtils.reshape(cache[l],
          new long[] {batch, kvHeads, 2, capacity, headDim}));
      keysT[l] = hold(cache[l].get(new NDIndex(":, 0")).transpose(0, 2, 1));
      values[l] = hold(cache[l].get(new NDIndex(":, 1")));
    }
    float[][] tables = ropeTables(w, capacity);
    long width = tables[0].length / capacity;
    cosTable = hold(manager.create(tables[0], new Shape(capacity, width)));
    sinTable = tables[1] == null ? null
        : hold(manager.create(tables[1], new Shape(capacity, width)));
    cosRows = new PtNDArray[capacity];
    sinRows = new PtNDArray[capacity];
    mask = hold(manager.zeros(new Shape(rows, 1, capacity)));
    maskPrefix = new PtNDArray[capacity + 1];
    zero = hold(manager.create(0f));
    valid = new boolean[batch][capacity];
    nextPos = new int[batch];
  }

  /**
   * RoPE factors per position. Folded: one table of rows [cos | sin] laid out like the big
   * matmul's output (cos 1, sin 0 on v). Else cos and the sign-folded sin for the q and k heads:
   * rotate_half(x) * sin = flip(x halves) * [-sin, sin].
   */
  private static float[][] ropeTables(FastWeights w, int capacity) {
    LlamaConfig c = w.config;
    int hd = c.headDim();
    int half = hd / 2;
    float[] cos = new float[hd];
    float[] sin = new float[hd];
    if (w.foldedRope) {
      float[] t = new float[capacity * 2 * w.n];
      for (int p = 0; p < capacity; p++) {
        w.rope.fill(p, false, cos, 0);
        w.rope.fill(p, true, sin, 0);
        int base = p * 2 * w.n;
        int at = 0;
        for (int h = 0; h < c.numAttentionHeads(); h++, at += hd) {
          System.arraycopy(cos, 0, t, base + at, hd);
          System.arraycopy(sin, 0, t, base + w.n + at, hd);
        }
        for (int h = 0; h < c.numKeyValueHeads(); h++, at += 2 * hd) {
          System.arraycopy(cos, 0, t, base + at, hd);
          System.arraycopy(sin, 0, t, base + w.n + at, hd);
          Arrays.fill(t, base + at + hd, base + at + 2 * hd, 1f); // v: cos 1, sin 0
        }
      }
      return new float[][] {t, null};
    }
    int m = (c.numAttentionHeads() + c.numKeyValueHeads()) * hd;
    float[] cosT = new float[capacity * m];
    float[] sinT = new float[capacity * m];
    for (int p = 0; p < capacity; p++) {
      w.rope.fill(p, false, cos, 0);
      w.rope.fill(p, true, sin, 0);
      for (int i = 0; i < half; i++) {
        sin[i] = -sin[i];
      }
      for (int at = p * m; at < (p + 1) * m; at += hd) {
        System.arraycopy(cos, 0, cosT, at, hd);
        System.arraycopy(sin, 0, sinT, at, hd);
      }
    }
    return new float[][] {cosT, sinT};
  }

  public int batch() {
    return batch;
  }

  public int capacity() {
    return capacity;
  }

  /** Slots used so far (the longest row's length, padding included). */
  public int length() {
    if (forward != null) {
      return forward.length();
    }
    return length;
  }

  FastWeights weights() {
    return w;
  }

  /**
   * Decodes with {@code fresh}, weights rebuilt for the same model (after a training step),
   * keeping the cache, its views and the RoPE tables, which depend on the shape alone; call
   * {@link #reset} before the next rows. False (nothing changed) for a forward-math or closed
   * session.
   */
  boolean rebind(FastWeights fresh) {
    if (forward != null || closed || fresh.isClosed() || fresh.config != w.config
        || fresh.foldedRope != w.foldedRope) {
      return false;
    }
    w = fresh;
    return true;
  }

  /** Forgets all rows; the cache and its views are kept for the next sequences. */
  public void reset() {
    if (forward != null) {
      forward.reset();
      return;
    }
    checkOpen();
    for (PtNDArray c : cache) {
      // steps add k and v into zeroed slots (an in-place add is the cheapest write)
      JniUtils.indexSet(c, zero, new long[] {0}, new long[] {c.size(0)}, new long[] {1});
    }
    length = 0;
    padded = false;
    Arrays.fill(nextPos, 0);
    for (boolean[] v : valid) {
      Arrays.fill(v, false);
    }
  }

  /**
   * Appends {@code tokens[b]} (all rows the same length T) to every row; {@code isReal[b][i]}
   * false marks padding (null: all real). Returns logits attached to {@code out}: (B, vocab)
   * for the last appended slot, or (B, T, vocab) for every slot when {@code allPositions}.
   */
  public NDArray prefill(int[][] tokens, boolean[][] isReal, NDManager out,
      boolean allPositions) {
    if (forward != null) {
      return forward.prefill(tokens, isReal, out, allPositions);
    }
    checkOpen();
    if (tokens.length != batch) {
      throw new IllegalArgumentException("expected " + batch + " rows, got " + tokens.length);
    }
    int t = tokens[0].length;
    boolean allReal = true;
    for (int b = 0; b < batch; b++) {
      if (tokens[b].length != t) {
        throw new IllegalArgumentException("rows must have equal length (pad them)");
      }
      for (int i = 0; i < t && isReal != null; i++) {
        allReal &= isReal[b][i];
      }
    }
    if (t == 0) {
      throw new IllegalArgumentException("nothing to prefill");
    }
    if (t == 1 && allReal && !allPositions) {
      int[] col = new int[batch];
      for (int b = 0; b < batch; b++) {
        col[b] = tokens[b][0];
      }
      return step(col, out);
    }
    ensureRoom(t);
    int start = length;
    long[] flatIds = new long[batch * t];
    long[] pos = new long[batch * t];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < t; i++) {
        boolean real = isReal == null || isReal[b][i];
        flatIds[b * t + i] = tokens[b][i];
        valid[b][start + i] = real;
        pos[b * t + i] = real ? nextPos[b]++ : 0;
        padded |= !real;
      }
    }
    length = start + t;
    int n = length;
    if (padded) {
      writeMask(); // later steps only add slots that are real for every row
    }
    float[] bias = new float[batch * t * n];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < n; j++) {
          boolean visible = j <= start + i && valid[b][j];
          bias[(b * t + i) * n + j] = visible ? 0f : LlamaModel.MASKED;
        }
      }
    }
    int g = heads / kvHeads;
    long rows = (long) batch * t;
    try (NDScope scope = new NDScope()) {
      PtNDArray idArr = (PtNDArray) manager.create(flatIds);
      PtNDArray posArr = (PtNDArray) manager.create(pos);
      PtNDArray maskArr = (PtNDArray) manager.create(bias, new Shape(batch, 1, t, 1, n));
      PtNDArray[] rope = {JniUtils.embedding(posArr, cosTable, false), null};
      if (!w.foldedRope) {
        long[] shape = {rows, rotated, 2, headDim / 2};
        rope[0] = JniUtils.reshape(rope[0], shape);
        rope[1] = JniUtils.reshape(JniUtils.embedding(posArr, sinTable, false), shape);
      }
      PtNDArray x = JniUtils.embedding(idArr, w.embed, false);
      long qDim = (long) heads * headDim;
      long[] toCache = {0, 2, 3, 1, 4}; // (B, T, KV, 2, hd) -> (B, KV, 2, T, hd)
      long[] toHeads = {0, 2, 1, 3, 4};
      long[] step5 = {1, 1, 1, 1, 1};
      for (int l = 0; l < cache.length; l++) {
        PtNDArray[] p = project(x, l, rope);
        if (w.foldedRope) {
          PtNDArray kv = JniUtils.permute(JniUtils.reshape(p[1],
              new long[] {batch, t, kvHeads, 2, headDim}), toCache);
          JniUtils.indexSet(cache5[l], kv, new long[] {0, 0, 0, start, 0},
              new long[] {batch, kvHeads, 2, n, headDim}, step5);
        } else {
          for (int kind = 0; kind < 2; kind++) { // 0: k, 1: v
            PtNDArray part = JniUtils.permute(JniUtils.reshape(p[1 + kind],
                new long[] {batch, t, kvHeads, 1, headDim}), toCache);
            JniUtils.indexSet(cache5[l], part, new long[] {0, 0, kind, start, 0},
                new long[] {batch, kvHeads, kind + 1, n, headDim}, step5);
          }
        }
        PtNDArray q = JniUtils.reshape(JniUtils.permute(JniUtils.reshape(
            p[0], new long[] {batch, t, kvHeads, g, headDim}), toHeads),
            new long[] {(long) batch * kvHeads, (long) t * g, headDim});
        PtNDArray scores = JniUtils.reshape(JniUtils.bmm(q, keysT(l, n)),
            new long[] {batch, kvHeads, t, g, n});
        PtNDArray probs = JniUtils.reshape(JniUtils.softmax(JniUtils.add(scores, maskArr), -1,
            DataType.FLOAT32), new long[] {(long) batch * kvHeads, (long) t * g, n});
        PtNDArray o = JniUtils.bmm(probs, values(l, n));
        o = JniUtils.reshape(JniUtils.permute(JniUtils.reshape(o,
            new long[] {batch, kvHeads, t, g, headDim}), toHeads), new long[] {rows, qDim});
        x = JniUtils.linear(o, w.out[l], x);
        if (w.outBias[l] != null) {
          x = JniUtils.add(x, w.outBias[l]);
        }
        x = mlp(x, l);
      }
      if (!allPositions) {
        x = JniUtils.reshape(JniUtils.slice(JniUtils.reshape(x, new long[] {batch, t, w.width}),
            1, t - 1, t, 1), new long[] {batch, w.width});
      }
      PtNDArray logits = head(x);
      if (allPositions) {
        logits = JniUtils.reshape(logits, new long[] {batch, t, w.config.vocabSize()});
      }
      return keep(logits, out);
    }
  }

  /**
   * Whether {@link #copyRows} can fill this session from {@code src}: both run the fast
   * decoder on the same weights, and {@code src}'s slots fit.
   */
  public boolean canCopyRows(DecodeSession src) {
    return forward == null && src.forward == null && src.w == w && !closed && !src.closed
        && src.length <= capacity;
  }

  /**
   * Makes this (empty or used) session's row b a copy of row {@code source[b]} of {@code src}:
   * its cache slots, which of them are real, and its next position. Rows then decode on their
   * own. GRPO's groups share a prompt, so the prompt is prefilled once per group and copied
   * (a prefix cache), and finished rows are dropped by copying the live ones to a smaller
   * session. Logits computed in {@code src} are copied by the caller ({@link #selectRows}).
   */
  public void copyRows(DecodeSession src, int[] source) {
    checkOpen();
    src.checkOpen();
    if (!canCopyRows(src) || source.length != batch) {
      throw new IllegalArgumentException("cannot copy " + source.length + " rows of a "
          + src.batch + "-row session into this " + batch + "-row one");
    }
    int t = src.length;
    reset();
    if (t == 0) {
      return;
    }
    long[] idx = new long[batch];
    for (int b = 0; b < batch; b++) {
      if (source[b] < 0 || source[b] >= src.batch) {
        throw new IllegalArgumentException("row " + source[b] + " is not a row of the source");
      }
      idx[b] = source[b];
      System.arraycopy(src.valid[source[b]], 0, valid[b], 0, t);
      nextPos[b] = src.nextPos[source[b]];
      for (int j = 0; j < t; j++) {
        padded |= !valid[b][j];
      }
    }
    length = t;
    try (NDScope scope = new NDScope()) {
      PtNDArray rows = (PtNDArray) manager.create(idx);
      long[] step5 = {1, 1, 1, 1, 1};
      for (int l = 0; l < cache.length; l++) {
        // the source's slots [0, t) as one row per sequence, gathered like embedding rows
        PtNDArray part = JniUtils.reshape(JniUtils.slice(src.cache5[l], 3, 0, t, 1),
            new long[] {src.batch, -1});
        PtNDArray picked = JniUtils.reshape(JniUtils.embedding(rows, part, false),
            new long[] {batch, kvHeads, 2, t, headDim});
        JniUtils.indexSet(cache5[l], picked, new long[] {0, 0, 0, 0, 0},
            new long[] {batch, kvHeads, 2, t, headDim}, step5);
      }
    }
    if (padded) {
      writeMask();
    }
  }

  /** Rows {@code source[b]} of a (rows, ...) array, attached to {@code out}. */
  public static NDArray selectRows(NDArray a, int[] source, NDManager out) {
    long[] idx = new long[source.length];
    for (int b = 0; b < source.length; b++) {
      idx[b] = source[b];
    }
    try (NDScope scope = new NDScope()) {
      PtNDArray rows = (PtNDArray) a.getManager().create(idx);
      PtNDArray flat = JniUtils.reshape((PtNDArray) a, new long[] {a.getShape().get(0), -1});
      Shape s = a.getShape();
      long[] shape = s.getShape().clone();
      shape[0] = source.length;
      return keep(JniUtils.reshape(JniUtils.embedding(rows, flat, false), shape), out);
    }
  }

  /**
   * Appends one token per row (all real) and returns the logits (B, vocab) of that slot,
   * attached to {@code out}.
   */
  public NDArray step(int[] tokens, NDManager out) {
    if (forward != null) {
      return forward.step(tokens, out);
    }
    checkOpen();
    if (tokens.length != batch) {
      throw new IllegalArgumentException("expected " + batch + " tokens, got " + tokens.length);
    }
    ensureRoom(1);
    int slot = length;
    int p0 = nextPos[0];
    boolean samePosition = true;
    PtNDArray[] rows = new PtNDArray[batch];
    PtNDArray[] cosOfRow = new PtNDArray[batch];
    PtNDArray[] sinOfRow = new PtNDArray[batch];
    for (int b = 0; b < batch; b++) {
      rows[b] = w.embedRow(tokens[b]);
      cosOfRow[b] = cosRow(nextPos[b]);
      sinOfRow[b] = w.foldedRope ? null : sinRow(nextPos[b]);
      samePosition &= nextPos[b] == p0;
      valid[b][slot] = true;
      nextPos[b]++;
    }
    length = slot + 1;
    int n = length;
    try (NDScope scope = new NDScope()) {
      // embedding rows and RoPE rows are prepared views: one row needs no op at all
      PtNDArray x = batch == 1 ? rows[0] : JniUtils.cat(rows, 0);
      PtNDArray[] rope = {samePosition ? cosOfRow[0] : JniUtils.cat(cosOfRow, 0), null};
      if (!w.foldedRope) {
        rope[1] = samePosition ? sinOfRow[0] : JniUtils.cat(sinOfRow, 0);
      }
      PtNDArray bias = padded ? maskPrefix(n) : null;
      long[] qShape = {(long) batch * kvHeads, heads / kvHeads, headDim};
      long[] kvShape = {(long) batch * kvHeads, 2, 1, headDim};
      long[] kShape = {(long) batch * kvHeads, 1, 1, headDim};
      long[] oShape = {batch, (long) heads * headDim};
      for (int l = 0; l < cache.length; l++) {
        PtNDArray[] p = project(x, l, rope);
        if (w.foldedRope) {
          slot(l, slot).addi(JniUtils.reshape(p[1], kvShape));
        } else {
          slot(l, slot).addi(JniUtils.reshape(p[1], kShape));
          valueSlot(l, slot).addi(JniUtils.reshape(p[2], kShape));
        }
        PtNDArray q = JniUtils.reshape(p[0], qShape);
        PtNDArray scores = JniUtils.bmm(q, keysT(l, n));
        if (bias != null) {
          scores = JniUtils.add(scores, bias);
        }
        PtNDArray probs = JniUtils.softmax(scores, -1, DataType.FLOAT32);
        PtNDArray o = JniUtils.reshape(JniUtils.bmm(probs, values(l, n)), oShape);
        x = JniUtils.linear(o, w.out[l], x); // residual add as the bias
        if (w.outBias[l] != null) {
          x = JniUtils.add(x, w.outBias[l]); // Llama's attention_bias also biases o_proj
        }
        x = mlp(x, l);
      }
      return keep(head(x), out);
    }
  }

  /**
   * RMSNorm, the q/k/v matmul and RoPE. Folded: the matmul gives [A | rot(A)]; times
   * [cos | sin] and split in four, q and the interleaved k/v are each the sum of two parts;
   * returns {q (rows, H*hd), kv (rows, 2*KV*hd)}. Else returns {q, k, v}: q and k (rows, heads,
   * 2, hd/2) rotated as x*cos + flip(x halves)*signed sin, v (rows, KV*hd).
   */
  private PtNDArray[] project(PtNDArray x, int l, PtNDArray[] rope) {
    PtNDArray y = JniUtils.linear(rmsNorm(x), w.attn[l], w.attnBias[l]);
    if (w.foldedRope) {
      NDList p = JniUtils.split(JniUtils.mul(y, rope[0]), parts, 1);
      return new PtNDArray[] {JniUtils.add((PtNDArray) p.get(0), (PtNDArray) p.get(2)),
          JniUtils.add((PtNDArray) p.get(1), (PtNDArray) p.get(3))};
    }
    NDList p = JniUtils.split(y, parts, 1);
    PtNDArray qk = JniUtils.reshape((PtNDArray) p.get(0),
        new long[] {-1, rotated, 2, headDim / 2});
    PtNDArray roped = JniUtils.add(JniUtils.mul(qk, rope[0]),
        JniUtils.mul(JniUtils.flip(qk, HALVES), rope[1]));
    NDList qAndK = JniUtils.split(roped, new long[] {heads, kvHeads}, 1);
    return new PtNDArray[] {(PtNDArray) qAndK.get(0), (PtNDArray) qAndK.get(1),
        (PtNDArray) p.get(1)};
  }

  private static final long[] HALVES = {2};

  /**
   * RMSNorm with the gain folded away: x / |x| over the stream with its constant component
   * (never zero, so no epsilon guard). A norm and a division are two native calls where
   * torch's normalize makes four.
   */
  private static PtNDArray rmsNorm(PtNDArray x) {
    return JniUtils.div(x, JniUtils.norm(x, 2, LAST_AXIS, true));
  }

  private static final int[] LAST_AXIS = {-1};

  /** RMSNorm, SwiGLU and down projection with the residual as its bias. */
  private PtNDArray mlp(PtNDArray x, int l) {
    PtNDArray gu = JniUtils.linear(rmsNorm(x), w.gateUp[l], null);
    NDList parts = JniUtils.split(gu, w.config.intermediateSize(), 1); // chunks of this size
    PtNDArray gate = (PtNDArray) parts.get(0);
    PtNDArray act = JniUtils.mul(JniUtils.mul(gate, JniUtils.sigmoid(gate)),
        (PtNDArray) parts.get(1));
    return JniUtils.linear(act, w.down[l], x);
  }

  private PtNDArray head(PtNDArray x) {
    return JniUtils.linear(rmsNorm(x), w.lmHead, null);
  }

  private void ensureRoom(int t) {
    if (length + t > capacity) {
      throw new TemperException("Decoding session is full: " + length + " + " + t
          + " positions exceed its capacity of " + capacity);
    }
  }

  /** The additive padding mask (B*KV, 1, S): slots that are padding for a row are masked. */
  private void writeMask() {
    float[] f = new float[batch * kvHeads * capacity];
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < length; j++) {
        if (!valid[b][j]) {
          for (int h = 0; h < kvHeads; h++) {
            f[(b * kvHeads + h) * capacity + j] = LlamaModel.MASKED;
          }
        }
      }
    }
    try (NDScope scope = new NDScope()) {
      // a copy into the kept array, so that the prepared views of it stay valid
      NDArray values = manager.create(f, mask.getShape());
      JniUtils.indexSet(mask, (PtNDArray) values, new long[] {0}, new long[] {mask.size(0)},
          new long[] {1});
    }
  }

  private PtNDArray keysT(int l, int n) {
    PtNDArray v = keysTPrefix[l][n];
    if (v == null) {
      v = hold(JniUtils.slice(keysT[l], 2, 0, n, 1));
      keysTPrefix[l][n] = v;
    }
    return v;
  }

  private PtNDArray values(int l, int n) {
    PtNDArray v = valuesPrefix[l][n];
    if (v == null) {
      v = hold(JniUtils.slice(values[l], 1, 0, n, 1));
      valuesPrefix[l][n] = v;
    }
    return v;
  }

  /**
   * The cache slot of position {@code slot}, written by adding into zeros: k and v
   * (B*KV, 2, 1, hd) when RoPE is folded, else k alone (B*KV, 1, 1, hd).
   */
  private PtNDArray slot(int l, int slot) {
    PtNDArray v = slots[l][slot];
    if (v == null) {
      PtNDArray s = hold(JniUtils.slice(cache[l], 2, slot, slot + 1, 1));
      v = w.foldedRope ? s : hold(JniUtils.slice(s, 1, 0, 1, 1));
      slots[l][slot] = v;
    }
    return v;
  }

  /** The v part (B*KV, 1, 1, hd) of a cache slot (RoPE not folded). */
  private PtNDArray valueSlot(int l, int slot) {
    PtNDArray v = valueSlots[l][slot];
    if (v == null) {
      v = hold(JniUtils.slice(JniUtils.slice(cache[l], 2, slot, slot + 1, 1), 1, 1, 2, 1));
      valueSlots[l][slot] = v;
    }
    return v;
  }

  private PtNDArray maskPrefix(int n) {
    PtNDArray v = maskPrefix[n];
    if (v == null) {
      v = hold(JniUtils.slice(mask, 2, 0, n, 1));
      maskPrefix[n] = v;
    }
    return v;
  }

  /** RoPE factors of position {@code p}: [cos | sin] (1, 2N) folded, else cos (1, M) shaped
   * (1, q+k heads, 2, hd/2). */
  private PtNDArray cosRow(int p) {
    PtNDArray v = cosRows[p];
    if (v == null) {
      v = hold(ropeRow(cosTable, p));
      cosRows[p] = v;
    }
    return v;
  }

  private PtNDArray sinRow(int p) {
    PtNDArray v = sinRows[p];
    if (v == null) {
      v = hold(ropeRow(sinTable, p));
      sinRows[p] = v;
    }
    return v;
  }

  private PtNDArray ropeRow(PtNDArray table, int p) {
    PtNDArray row = JniUtils.slice(table, 0, p, p + 1, 1);
    return w.foldedRope ? row
        : JniUtils.reshape(row, new long[] {1, rotated, 2, headDim / 2});
  }

  /** Keeps a long-lived array in this session's manager, out of any caller's NDScope. */
  private PtNDArray hold(NDArray a) {
    NDScope.unregister(a);
    a.attach(manager);
    return (PtNDArray) a;
  }

  private static NDArray keep(PtNDArray result, NDManager out) {
    NDScope.unregister(result);
    result.attach(out);
    return result;
  }

  private void checkOpen() {
    if (closed || w.isClosed()) {
      throw new IllegalStateException("decoding session is closed (or the model's weights "
          + "were refreshed): start a new one");
    }
  }

  @Override
  public void close() {
    if (forward != null) {
      forward.close();
      return;
    }
    if (!closed) {
      closed = true;
      manager.close();
    }
  }
}
