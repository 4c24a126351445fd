package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.TemperException;
import java.util.Arrays;

/**
 * Incremental decoding through the model's own forward math ({@link LlamaModel#run}), with a
 * KV cache that grows by concatenation: every variant the forward computes decodes exactly,
 * including those the folded fast decoder cannot (q/k norms, post-norms, soft-capping,
 * sliding windows shorter than the session, NoPE layers, partial RoPE). Semantics as
 * {@link DecodeSession}: all rows advance together; padding slots are never attended to and
 * do not count as positions.
 */
final class ForwardSession implements AutoCloseable {
  private final LlamaModel model;
  private final int batch;
  private final int capacity;
  private final NDManager manager;
  private final boolean[][] valid;
  private final int[][] slotPos;
  private final int[] nextPos;
  private LlamaModel.KvCache cache;
  private int length;
  private boolean padded;
  private boolean closed;

  ForwardSession(LlamaModel model, int batch, int capacity) {
    if (batch <= 0 || capacity <= 0) {
      throw new IllegalArgumentException("batch and capacity must be positive");
    }
    this.model = model;
    this.batch = batch;
    this.capacity = capacity;
    this.manager = model.manager().newSubManager();
    this.valid = new boolean[batch][capacity];
    this.slotPos = new int[batch][capacity];
    this.nextPos = new int[batch];
    this.cache = new LlamaModel.KvCache(model.config().numHiddenLayers());
  }

  int batch() {
    return batch;
  }

  int capacity() {
    return capacity;
  }

  int length() {
    return length;
  }

  void reset() {
    checkOpen();
    dropCache();
    cache = new LlamaModel.KvCache(model.config().numHiddenLayers());
    length = 0;
    padded = false;
    Arrays.fill(nextPos, 0);
    for (boolean[] v : valid) {
      Arrays.fill(v, false);
    }
  }

  NDArray prefill(int[][] tokens, boolean[][] isReal, NDManager out, boolean allPositions) {
    checkOpen();
    if (tokens.length != batch) {
      throw new IllegalArgumentException("expected " + batch + " rows, got " + tokens.length);
    }
    int t = tokens[0].length;
    if (t == 0) {
      throw new IllegalArgumentException("nothing to prefill");
    }
    for (int[] row : tokens) {
      if (row.length != t) {
        throw new IllegalArgumentException("rows must have equal length (pad them)");
      }
    }
    return append(tokens, isReal, out, allPositions);
  }

  NDArray step(int[] tokens, NDManager out) {
    checkOpen();
    if (tokens.length != batch) {
      throw new IllegalArgumentException("expected " + batch + " tokens, got " + tokens.length);
    }
    int[][] col = new int[batch][1];
    for (int b = 0; b < batch; b++) {
      col[b][0] = tokens[b];
    }
    return append(col, null, out, false);
  }

  private NDArray append(int[][] tokens, boolean[][] isReal, NDManager out,
      boolean allPositions) {
    int t = tokens[0].length;
    if (length + t > capacity) {
      throw new TemperException("Decoding session is full: " + length + " + " + t
          + " positions exceed its capacity of " + capacity);
    }
    int start = length;
    int[][] queryPos = new int[batch][t];
    long[] ids = new long[batch * t];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < t; i++) {
        boolean real = isReal == null || isReal[b][i];
        ids[b * t + i] = tokens[b][i];
        valid[b][start + i] = real;
        slotPos[b][start + i] = real ? nextPos[b]++ : 1;
        queryPos[b][i] = slotPos[b][start + i];
        padded |= !real;
      }
    }
    length = start + t;
    int s = length;
    int[][] keyPos = new int[batch][];
    boolean[][] keyReal = new boolean[batch][];
    for (int b = 0; b < batch; b++) {
      keyPos[b] = Arrays.copyOf(slotPos[b], s);
      keyReal[b] = Arrays.copyOf(valid[b], s);
    }
    boolean samePositions = !padded;
    for (int b = 1; b < batch && samePositions; b++) {
      samePositions = nextPos[b] == nextPos[0];
    }
    LlamaModel.KvCache next = new LlamaModel.KvCache(model.config().numHiddenLayers());
    System.arraycopy(cache.keys, 0, next.keys, 0, next.keys.length);
    System.arraycopy(cache.values, 0, next.values, 0, next.values.length);
    NDArray result;
    try (NDScope scope = new NDScope(); LlamaModel.Decoding d = model.decoding()) {
      NDArray idArr = manager.create(ids, new Shape(batch, t));
      LlamaModel.Step step = model.new Step(manager, queryPos, keyPos, keyReal, start,
          samePositions);
      NDArray hidden = model.run(idArr, step, next);
      if (!allPositions) {
        hidden = hidden.get(new NDIndex(":, -1, :"));
      }
      result = model.logits(hidden);
      for (int l = 0; l < next.keys.length; l++) {
        keep(next.keys[l]);
        keep(next.values[l]);
      }
      NDScope.unregister(result);
    }
    result.attach(out);
    dropCache();
    cache = next;
    return result;
  }

  private void keep(NDArray a) {
    NDScope.unregister(a);
    a.attach(manager);
  }

  private void dropCache() {
    for (int l = 0; l < cache.keys.length; l++) {
      if (cache.keys[l] != null) {
        cache.keys[l].close();
        cache.values[l].close();
        cache.keys[l] = null;
        cache.values[l] = null;
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("decoding session is closed: start a new one");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }
}
