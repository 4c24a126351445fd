package ai.temper.engine.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Word-level n-grams for overlap detection: words are maximal runs of letters and digits,
 * lowercased (punctuation and spacing never break a match); an n-gram is hashed to 64 bits,
 * so an index holds longs, not strings.
 */
public final class Ngrams {
  private Ngrams() {}

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  /** The 64-bit hash of each word of {@code text}, in order. */
  public static long[] wordHashes(String text) {
    long[] out = new long[Math.max(4, text.length() / 5)];
    int n = 0;
    int i = 0;
    int len = text.length();
    while (i < len) {
      int cp = text.codePointAt(i);
      if (!Character.isLetterOrDigit(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      long h = FNV_OFFSET;
      while (i < len) {
        cp = text.codePointAt(i);
        if (!Character.isLetterOrDigit(cp)) {
          break;
        }
        h = (h ^ Character.toLowerCase(cp)) * FNV_PRIME;
        i += Character.charCount(cp);
      }
      if (n == out.length) {
        out = java.util.Arrays.copyOf(out, n * 2);
      }
      out[n++] = h;
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** The words themselves (lowercased), for showing what matched. */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int len = text.length();
    while (i < len) {
      int cp = text.codePointAt(i);
      if (!Character.isLetterOrDigit(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      StringBuilder w = new StringBuilder();
      while (i < len) {
        cp = text.codePointAt(i);
        if (!Character.isLetterOrDigit(cp)) {
          break;
        }
        w.appendCodePoint(Character.toLowerCase(cp));
        i += Character.charCount(cp);
      }
      out.add(w.toString());
    }
    return out;
  }

  /** The hash of the n-gram of {@code n} words starting at {@code start}. */
  public static long hash(long[] words, int start, int n) {
    long h = 0x9E3779B97F4A7C15L;
    for (int j = 0; j < n; j++) {
      h = (h ^ words[start + j]) * 0xbf58476d1ce4e5b9L;
      h ^= h >>> 31;
    }
    // final avalanche (MurmurHash3 fmix64) so near-equal n-grams land far apart
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
