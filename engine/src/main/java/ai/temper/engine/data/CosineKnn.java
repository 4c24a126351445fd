package ai.temper.engine.data;

import java.util.List;
import java.util.PriorityQueue;

/**
 * Exact k-nearest-neighbour search by cosine similarity over a pool of vectors, held
 * normalised in one row-major array: a scan of dot products per query, which for a pool of
 * 100k vectors of a few hundred dimensions is a few milliseconds.
 */
public final class CosineKnn {
  private final int dimension;
  private final int size;
  private final float[] rows;

  public CosineKnn(List<float[]> pool) {
    this.size = pool.size();
    this.dimension = size == 0 ? 0 : pool.get(0).length;
    this.rows = new float[size * dimension];
    for (int i = 0; i < size; i++) {
      float[] v = pool.get(i);
      if (v.length != dimension) {
        throw new IllegalArgumentException("vector " + i + " has " + v.length
            + " dimensions, not " + dimension);
      }
      float[] u = normalised(v);
      System.arraycopy(u, 0, rows, i * dimension, dimension);
    }
  }

  public int size() {
    return size;
  }

  /** The positions of the {@code k} pool vectors most similar to {@code query}, best first. */
  public int[] nearest(float[] query, int k) {
    float[] q = normalised(query);
    int want = Math.min(k, size);
    // a min-heap of the best so far: {similarity, position}
    PriorityQueue<double[]> heap = new PriorityQueue<>(want + 1, (a, b) -> a[0] != b[0]
        ? Double.compare(a[0], b[0]) : Double.compare(b[1], a[1]));
    for (int i = 0; i < size; i++) {
      double s = 0;
      int off = i * dimension;
      for (int j = 0; j < dimension; j++) {
        s += q[j] * rows[off + j];
      }
      if (heap.size() < want) {
        heap.add(new double[] {s, i});
      } else if (want > 0 && s > heap.peek()[0]) {
        heap.poll();
        heap.add(new double[] {s, i});
      }
    }
    int[] out = new int[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = (int) heap.poll()[1];
    }
    return out;
  }

  private static float[] normalised(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    float[] u = v.clone();
    if (norm > 0) {
      float inv = (float) (1 / Math.sqrt(norm));
      for (int i = 0; i < u.length; i++) {
        u[i] *= inv;
      }
    }
    return u;
  }
}
