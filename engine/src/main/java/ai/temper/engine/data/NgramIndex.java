package ai.temper.engine.data;

import java.util.Arrays;

/**
 * Where each n-gram of a set of documents (evaluation instances) occurs: an open-addressing
 * table from n-gram hash to a chain of postings (document, word position). Looking up a
 * training example's n-grams costs one probe each, so decontamination is linear in the data,
 * never all-pairs.
 */
final class NgramIndex {
  private final int n;
  private long[] keys = new long[1 << 16];
  private int[] heads = new int[1 << 16];
  private int used;
  // postings, chained: next[p] is the previous posting of the same n-gram
  private int[] doc = new int[1 << 16];
  private int[] pos = new int[1 << 16];
  private int[] next = new int[1 << 16];
  private int postings;
  private boolean hasZeroKey;
  private int zeroHead = -1;

  NgramIndex(int n) {
    this.n = n;
    Arrays.fill(heads, -1);
  }

  int n() {
    return n;
  }

  int postings() {
    return postings;
  }

  /** Adds every n-gram of document {@code d}, whose words are {@code words}. */
  void add(int d, long[] words) {
    for (int p = 0; p + n <= words.length; p++) {
      long h = Ngrams.hash(words, p, n);
      if (postings == doc.length) {
        doc = Arrays.copyOf(doc, postings * 2);
        pos = Arrays.copyOf(pos, postings * 2);
        next = Arrays.copyOf(next, postings * 2);
      }
      doc[postings] = d;
      pos[postings] = p;
      if (h == 0) {
        next[postings] = zeroHead;
        zeroHead = postings;
        hasZeroKey = true;
      } else {
        int slot = slot(h, true);
        next[postings] = heads[slot];
        heads[slot] = postings;
      }
      postings++;
    }
  }

  /** The first posting of n-gram {@code h}, or -1; continue with {@link #next(int)}. */
  int first(long h) {
    if (h == 0) {
      return hasZeroKey ? zeroHead : -1;
    }
    int slot = slot(h, false);
    return slot < 0 ? -1 : heads[slot];
  }

  int next(int posting) {
    return next[posting];
  }

  int doc(int posting) {
    return doc[posting];
  }

  int pos(int posting) {
    return pos[posting];
  }

  private int slot(long h, boolean insert) {
    int mask = keys.length - 1;
    int i = (int) (h ^ (h >>> 32)) & mask;
    while (true) {
      if (keys[i] == h) {
        return i;
      }
      if (keys[i] == 0) {
        if (!insert) {
          return -1;
        }
        keys[i] = h;
        if (++used * 2 > keys.length) {
          grow();
          return slot(h, false);
        }
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldHeads = heads;
    keys = new long[oldKeys.length * 2];
    heads = new int[oldKeys.length * 2];
    Arrays.fill(heads, -1);
    int mask = keys.length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        int j = (int) (oldKeys[i] ^ (oldKeys[i] >>> 32)) & mask;
        while (keys[j] != 0) {
          j = (j + 1) & mask;
        }
        keys[j] = oldKeys[i];
        heads[j] = oldHeads[i];
      }
    }
  }
}
