package ai.temper.engine.generate;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Picks a token from one row of probabilities (softmax of logits / temperature) with top-k and
 * top-p cuts, in Java and seeded, so that runs repeat exactly (DJL's randomMultinomial does not
 * run on PyTorch).
 *
 * <p>Without a cut the draw is an inverse CDF: u = U[0,1) x the row's total, and the first
 * token whose cumulative probability passes u. {@link #drawBlocked} finds it from the sums of
 * blocks of {@link #BLOCK} tokens (computed beside the softmax, in libtorch) and then scans one
 * block, so it reads about 400 of 32000 probabilities instead of all of them twice; it picks
 * the token {@link #sample} picks from the same row and generator except where the two ways of
 * rounding the running sum put u on different sides of a boundary (never seen in tests).
 */
final class Sampler {
  /** Tokens per block of {@link #drawBlocked}. */
  static final int BLOCK = 128;

  private final int topK;
  private final double topP;

  Sampler(int topK, double topP) {
    this.topK = topK;
    this.topP = topP;
  }

  /** Whether top-k or top-p cut the distribution (then only {@link #sample} applies). */
  boolean cuts(int vocab) {
    return (topK > 0 && topK < vocab) || topP < 1;
  }

  /**
   * Draws from {@code probs[off .. off+vocab)} without a cut, given {@code sums[sumOff + k]}, the
   * float sum of tokens {@code [k*BLOCK, (k+1)*BLOCK)} for the {@code vocab / BLOCK} whole blocks
   * (the tokens after them are read one by one). One generator value per draw, as {@link
   * #sample}; tokens of probability 0 are never picked.
   */
  static int drawBlocked(FloatBuffer probs, int off, int vocab, float[] sums, int sumOff,
      Random rng) {
    int blocks = vocab / BLOCK;
    double total = 0;
    for (int k = 0; k < blocks; k++) {
      total += sums[sumOff + k];
    }
    for (int i = blocks * BLOCK; i < vocab; i++) {
      total += probs.get(off + i);
    }
    double u = rng.nextDouble() * total;
    double cum = 0;
    for (int k = 0; k < blocks; k++) {
      float s = sums[sumOff + k];
      if (u < cum + s) {
        return scan(probs, off, k * BLOCK, (k + 1) * BLOCK, cum, u);
      }
      cum += s;
    }
    if (blocks * BLOCK < vocab) {
      int id = scan(probs, off, blocks * BLOCK, vocab, cum, u);
      if (id >= 0) {
        return id;
      }
    }
    // u at or past the last boundary (rounding): the last token with a probability
    for (int k = blocks - 1; k >= 0; k--) {
      if (sums[sumOff + k] > 0) {
        int id = lastPositive(probs, off, k * BLOCK, (k + 1) * BLOCK);
        if (id >= 0) {
          return id;
        }
      }
    }
    return Math.max(0, lastPositive(probs, off, 0, vocab));
  }

  /**
   * The first token in {@code [from, to)} whose cumulative probability (from {@code cum}) passes
   * u; else the block's last token with a probability (the block's float sum rounded above its
   * tokens' running sum), or -1 if it has none.
   */
  private static int scan(FloatBuffer probs, int off, int from, int to, double cum, double u) {
    int last = -1;
    for (int i = from; i < to; i++) {
      float p = probs.get(off + i);
      if (p > 0) {
        cum += p;
        last = i;
        if (u < cum) {
          return i;
        }
      }
    }
    return last;
  }

  private static int lastPositive(FloatBuffer probs, int off, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
      if (probs.get(off + i) > 0) {
        return i;
      }
    }
    return -1;
  }

  /** Draws from {@code probs[off .. off+vocab)}. */
  int sample(float[] probs, int off, int vocab, Random rng) {
    int[] order = candidates(probs, off, vocab);
    if (order == null) {
      return drawAll(probs, off, vocab, rng);
    }
    double mass = 0;
    for (int id : order) {
      mass += probs[off + id];
    }
    int keep = order.length;
    if (topP < 1) {
      double cum = 0;
      keep = 0;
      // keep tokens while the mass of the ones before them is below top_p (at least one)
      while (keep < order.length && (keep == 0 || cum < topP * mass)) {
        cum += probs[off + order[keep]];
        keep++;
      }
      mass = cum;
    }
    double u = rng.nextDouble() * mass;
    double cum = 0;
    for (int i = 0; i < keep; i++) {
      cum += probs[off + order[i]];
      if (u < cum) {
        return order[i];
      }
    }
    return order[keep - 1];
  }

  private static int drawAll(float[] probs, int off, int vocab, Random rng) {
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      total += probs[off + i];
    }
    double u = rng.nextDouble() * total;
    int picked = scan(FloatBuffer.wrap(probs), off, 0, vocab, 0, u);
    return Math.max(picked, 0); // no token with a probability: token 0, as before
  }

  /**
   * Token ids in descending probability that can survive the cuts, or null when no cut
   * applies. Top-p alone avoids sorting the whole vocabulary: the tokens at or above a
   * threshold are a prefix of the sorted order, so once their mass reaches top_p the nucleus
   * lies among them.
   */
  private int[] candidates(float[] probs, int off, int vocab) {
    if (topK > 0 && topK < vocab) {
      return topK(probs, off, vocab, topK);
    }
    if (topP >= 1) {
      return null;
    }
    float max = 0;
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, probs[off + i]);
      total += probs[off + i];
    }
    for (float threshold = max * 1e-3f; ; threshold *= 1e-3f) {
      double mass = 0;
      int count = 0;
      for (int i = 0; i < vocab; i++) {
        if (probs[off + i] >= threshold) {
          mass += probs[off + i];
          count++;
        }
      }
      if (mass >= topP * total || threshold == 0 || count == vocab) {
        int[] ids = new int[count];
        int k = 0;
        for (int i = 0; i < vocab; i++) {
          if (probs[off + i] >= threshold) {
            ids[k++] = i;
          }
        }
        return sortDescending(ids, probs, off);
      }
      if (threshold < Float.MIN_NORMAL) {
        threshold = 0;
      }
    }
  }

  private static int[] topK(float[] probs, int off, int vocab, int k) {
    // a min-heap of the k best so far (ties keep the lower id, as a stable sort would)
    int[] heap = new int[k];
    int size = 0;
    for (int i = 0; i < vocab; i++) {
      if (size < k) {
        heap[size] = i;
        siftUp(heap, size++, probs, off);
      } else if (probs[off + i] > probs[off + heap[0]]) {
        heap[0] = i;
        siftDown(heap, k, probs, off);
      }
    }
    return sortDescending(heap, probs, off);
  }

  private static boolean worse(int a, int b, float[] probs, int off) {
    float pa = probs[off + a];
    float pb = probs[off + b];
    return pa < pb || (pa == pb && a > b);
  }

  private static void siftUp(int[] h, int i, float[] probs, int off) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!worse(h[i], h[parent], probs, off)) {
        return;
      }
      int t = h[i];
      h[i] = h[parent];
      h[parent] = t;
      i = parent;
    }
  }

  private static void siftDown(int[] h, int size, float[] probs, int off) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int m = i;
      if (l < size && worse(h[l], h[m], probs, off)) {
        m = l;
      }
      if (r < size && worse(h[r], h[m], probs, off)) {
        m = r;
      }
      if (m == i) {
        return;
      }
      int t = h[i];
      h[i] = h[m];
      h[m] = t;
      i = m;
    }
  }

  private static int[] sortDescending(int[] ids, float[] probs, int off) {
    Integer[] boxed = Arrays.stream(ids).boxed().toArray(Integer[]::new);
    Arrays.sort(boxed, (a, b) -> {
      int c = Float.compare(probs[off + b], probs[off + a]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    return Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
  }
}
