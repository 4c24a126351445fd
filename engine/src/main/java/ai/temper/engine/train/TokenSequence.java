package ai.temper.engine.train;

import java.util.Arrays;

/**
 * One training sequence: token ids and, per token, whether the model is trained to predict it
 * (assistant tokens in SFT, the completion in preference pairs, every token in pretraining).
 * The first token can never be a target: nothing precedes it.
 */
public record TokenSequence(int[] ids, boolean[] trained) {
  public TokenSequence {
    if (ids.length != trained.length) {
      throw new IllegalArgumentException("ids and mask differ in length: " + ids.length + " vs "
          + trained.length);
    }
  }

  /** A sequence with every token but the first trained (pretraining). */
  public static TokenSequence allTrained(int[] ids) {
    boolean[] t = new boolean[ids.length];
    Arrays.fill(t, true);
    if (t.length > 0) {
      t[0] = false;
    }
    return new TokenSequence(ids, t);
  }

  public int length() {
    return ids.length;
  }

  /** Tokens the loss sees (targets after the first position). */
  public int trainedCount() {
    int n = 0;
    for (int i = 1; i < trained.length; i++) {
      if (trained[i]) {
        n++;
      }
    }
    return n;
  }

  /** The first {@code max} tokens (this sequence itself when it is short enough). */
  public TokenSequence truncate(int max) {
    if (ids.length <= max) {
      return this;
    }
    return new TokenSequence(Arrays.copyOf(ids, max), Arrays.copyOf(trained, max));
  }
}
