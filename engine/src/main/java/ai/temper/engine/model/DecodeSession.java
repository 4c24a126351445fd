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

/**
 * Incremental decoding of a batch of rows with a preallocated KV cache. All rows advance
 * together, one cache slot per call of {@link #step}; a slot may be invalid for some rows
 * (padding), and then those rows never attend to it and their positions skip it. So rows of
 * different prompt lengths, left- or right-padded, give the same logits as each row alone.
 *
 * <p>The cache of each layer is (B, kv heads, S, 2, head_dim): k and v of a slot are written
 * by one copy, and the (B, kv heads) batch dimensions stay mergeable for the attention
 * matmuls. Views of the cache prefixes, the RoPE table rows and the masks are made once and
 * kept, so a step issues only the ops of the math. Each step's temporaries live in an NDScope
 * of their own and are freed when it ends.
 */
public final class DecodeSession implements AutoCloseable {
  private final FastWeights w;
  private final int batch;
  private final int capacity;
  private final boolean pooled;
  private final NDManager manager;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  /** Sizes of q, kv, rot(q), rot(kv) in the big matmul's output. */
  private final long[] quarters;
  private final PtNDArray[] cache;
  private final PtNDArray[] keysT;
  private final PtNDArray[] values;
  private final PtNDArray[][] keysTPrefix;
  private final PtNDArray[][] valuesPrefix;
  private final PtNDArray[][] slots;
  private final PtNDArray zero;
  private final PtNDArray ropeTable;
  private final PtNDArray[] ropeRows;
  private final PtNDArray mask;
  private final PtNDArray[] maskPrefix;
  private final boolean[][] valid;
  private final int[] nextPos;
  private int length;
  private boolean padded;
  private boolean closed;

  DecodeSession(FastWeights w, int batch, int capacity, boolean pooled) {
    if (batch <= 0 || capacity <= 0) {
      throw new IllegalArgumentException("batch and capacity must be positive");
    }
    LlamaConfig c = w.config;
    this.w = w;
    this.batch = batch;
    this.capacity = capacity;
    this.pooled = pooled;
    this.heads = c.numAttentionHeads();
    this.kvHeads = c.numKeyValueHeads();
    this.headDim = c.headDim();
    int layers = c.numHiddenLayers();
    long qDim = (long) heads * headDim;
    this.quarters = new long[] {qDim, w.n - qDim, qDim, w.n - qDim};
    this.manager = w.manager.newSubManager();
    cache = new PtNDArray[layers];
    keysT = new PtNDArray[layers];
    values = new PtNDArray[layers];
    keysTPrefix = new PtNDArray[layers][capacity + 1];
    valuesPrefix = new PtNDArray[layers][capacity + 1];
    slots = new PtNDArray[layers][capacity];
    long rows = (long) batch * kvHeads;
    for (int l = 0; l < layers; l++) {
      cache[l] = hold(manager.zeros(new Shape(batch, kvHeads, capacity, 2, headDim)));
      // (B*KV, S, 2, hd) views: the attention matmuls are plain 3-d bmm calls
      PtNDArray merged = hold(JniUtils.reshape(cache[l], new long[] {rows, capacity, 2, headDim}));
      keysT[l] = hold(merged.get(new NDIndex(":, :, 0")).transpose(0, 2, 1));
      values[l] = hold(merged.get(new NDIndex(":, :, 1")));
    }
    zero = hold(manager.create(0f));
    ropeTable = hold(manager.create(ropeTable(w, capacity), new Shape(capacity, 2L * w.n)));
    ropeRows = new PtNDArray[capacity];
    mask = hold(manager.zeros(new Shape((long) batch * kvHeads, 1, capacity)));
    maskPrefix = new PtNDArray[capacity + 1];
    valid = new boolean[batch][capacity];
    nextPos = new int[batch];
  }

  /** Rows of [cos | sin] per position, laid out like the big attention matmul's output. */
  private static float[] ropeTable(FastWeights w, int capacity) {
    LlamaConfig c = w.config;
    int hd = c.headDim();
    float[] cos = new float[hd];
    float[] sin = new float[hd];
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
        java.util.Arrays.fill(t, base + at + hd, base + at + 2 * hd, 1f); // v: cos 1, sin 0
      }
    }
    return t;
  }

  public int batch() {
    return batch;
  }

  public int capacity() {
    return capacity;
  }

  /** Slots used so far (the longest row's length, padding included). */
  public int length() {
    return length;
  }

  FastWeights weights() {
    return w;
  }

  /** Forgets all rows; the cache and its views are kept for the next sequences. */
  public void reset() {
    checkOpen();
    for (PtNDArray c : cache) {
      // steps add k and v into zeroed slots (an in-place add is the cheapest write)
      JniUtils.indexSet(c, zero, new long[] {0}, new long[] {batch}, new long[] {1});
    }
    length = 0;
    padded = false;
    java.util.Arrays.fill(nextPos, 0);
    for (boolean[] v : valid) {
      java.util.Arrays.fill(v, false);
    }
  }

  /**
   * Appends {@code tokens[b]} (all rows the same length T) to every row; {@code isReal[b][i]}
   * false marks padding (null: all real). Returns logits attached to {@code out}: (B, vocab)
   * for the last appended slot, or (B, T, vocab) for every slot when {@code allPositions}.
   */
  public NDArray prefill(int[][] tokens, boolean[][] isReal, NDManager out,
      boolean allPositions) {
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
    if (t == 1 && allReal && !allPositions) {
      int[] col = new int[batch];
      for (int b = 0; b < batch; b++) {
        col[b] = tokens[b][0];
      }
      return step(col, out);
    }
    if (t == 0) {
      throw new IllegalArgumentException("nothing to prefill");
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
    try (NDScope scope = new NDScope()) {
      PtNDArray idArr = (PtNDArray) manager.create(flatIds);
      PtNDArray posArr = (PtNDArray) manager.create(pos);
      PtNDArray maskArr = (PtNDArray) manager.create(bias, new Shape(batch, 1, t, 1, n));
      PtNDArray cs = JniUtils.embedding(posArr, ropeTable, false);
      PtNDArray x = JniUtils.embedding(idArr, w.embed, false);
      long qDim = (long) heads * headDim;
      for (int l = 0; l < cache.length; l++) {
        PtNDArray[] parts = rotated(x, l, cs);
        PtNDArray kv = JniUtils.permute(JniUtils.reshape(parts[1],
            new long[] {batch, t, kvHeads, 2, headDim}), new long[] {0, 2, 1, 3, 4});
        JniUtils.indexSet(cache[l], kv, new long[] {0, 0, start}, new long[] {batch, kvHeads, n},
            new long[] {1, 1, 1});
        PtNDArray q = JniUtils.reshape(JniUtils.permute(JniUtils.reshape(
            parts[0], new long[] {batch, t, kvHeads, g, headDim}),
            new long[] {0, 2, 1, 3, 4}), new long[] {(long) batch * kvHeads, (long) t * g, headDim});
        PtNDArray scores = JniUtils.reshape(JniUtils.bmm(q, keysT(l, n)),
            new long[] {batch, kvHeads, t, g, n});
        PtNDArray probs = JniUtils.reshape(JniUtils.softmax(JniUtils.add(scores, maskArr), -1,
            DataType.FLOAT32), new long[] {(long) batch * kvHeads, (long) t * g, n});
        PtNDArray o = JniUtils.bmm(probs, values(l, n));
        o = JniUtils.reshape(JniUtils.permute(JniUtils.reshape(o,
            new long[] {batch, kvHeads, t, g, headDim}), new long[] {0, 2, 1, 3, 4}),
            new long[] {(long) batch * t, qDim});
        x = JniUtils.linear(o, w.out[l], x);
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
   * Appends one token per row (all real) and returns the logits (B, vocab) of that slot,
   * attached to {@code out}.
   */
  public NDArray step(int[] tokens, NDManager out) {
    checkOpen();
    if (tokens.length != batch) {
      throw new IllegalArgumentException("expected " + batch + " tokens, got " + tokens.length);
    }
    ensureRoom(1);
    int slot = length;
    int p0 = nextPos[0];
    boolean samePosition = true;
    PtNDArray[] rows = new PtNDArray[batch];
    PtNDArray[] rowPositions = new PtNDArray[batch];
    for (int b = 0; b < batch; b++) {
      rows[b] = w.embedRow(tokens[b]);
      rowPositions[b] = ropeRow(nextPos[b]);
      samePosition &= nextPos[b] == p0;
      valid[b][slot] = true;
      nextPos[b]++;
    }
    length = slot + 1;
    int n = length;
    try (NDScope scope = new NDScope()) {
      // embedding rows and RoPE rows are prepared views: one row needs no op at all
      PtNDArray x = batch == 1 ? rows[0] : JniUtils.cat(rows, 0);
      PtNDArray cs = samePosition ? rowPositions[0] : JniUtils.cat(rowPositions, 0);
      PtNDArray bias = padded ? maskPrefix(n) : null;
      long qDim = (long) heads * headDim;
      long[] qShape = {(long) batch * kvHeads, heads / kvHeads, headDim};
      long[] kvShape = {batch, kvHeads, 1, 2, headDim};
      long[] oShape = {batch, qDim};
      for (int l = 0; l < cache.length; l++) {
        PtNDArray[] parts = rotated(x, l, cs);
        slot(l, slot).addi(JniUtils.reshape(parts[1], kvShape));
        PtNDArray q = JniUtils.reshape(parts[0], qShape);
        PtNDArray scores = JniUtils.bmm(q, keysT(l, n));
        if (bias != null) {
          scores = JniUtils.add(scores, bias);
        }
        PtNDArray probs = JniUtils.softmax(scores, -1, DataType.FLOAT32);
        PtNDArray o = JniUtils.reshape(JniUtils.bmm(probs, values(l, n)), oShape);
        x = JniUtils.linear(o, w.out[l], x); // residual add as the bias
        x = mlp(x, l);
      }
      return keep(head(x), out);
    }
  }

  /**
   * RMSNorm, the big q/k/v matmul and RoPE: returns q (rows, heads*hd) and the interleaved
   * k/v of each KV head (rows, 2*kv*hd). The matmul gives [A | rot(A)]; times [cos | sin] and
   * split in four, q and kv are each the sum of two parts.
   */
  private PtNDArray[] rotated(PtNDArray x, int l, PtNDArray cs) {
    PtNDArray h = rmsNorm(x);
    PtNDArray big = JniUtils.mul(JniUtils.linear(h, w.attn[l], w.attnBias[l]), cs);
    NDList p = JniUtils.split(big, quarters, 1);
    return new PtNDArray[] {JniUtils.add((PtNDArray) p.get(0), (PtNDArray) p.get(2)),
        JniUtils.add((PtNDArray) p.get(1), (PtNDArray) p.get(3))};
  }

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
    PtNDArray h = rmsNorm(x);
    PtNDArray gu = JniUtils.linear(h, w.gateUp[l], null);
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

  /** The cache slot of position {@code slot}: (B, KV, 1, 2, hd), written by adding. */
  private PtNDArray slot(int l, int slot) {
    PtNDArray v = slots[l][slot];
    if (v == null) {
      v = hold(JniUtils.slice(cache[l], 2, slot, slot + 1, 1));
      slots[l][slot] = v;
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

  /** The [cos | sin] row of position {@code p}: (1, 2N). */
  private PtNDArray ropeRow(int p) {
    PtNDArray v = ropeRows[p];
    if (v == null) {
      v = hold(JniUtils.slice(ropeTable, 0, p, p + 1, 1));
      ropeRows[p] = v;
    }
    return v;
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

  boolean isPooled() {
    return pooled;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (!w.isClosed()) {
        manager.close();
      }
    }
  }
}
