package ai.temper.engine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packing: concatenates sequences (in the given order) and cuts the stream into rows of
 * exactly {@code width} tokens (the last may be shorter), so no compute goes to padding.
 * Tokens of one row may attend to the example before them in the row, as in TRL's and
 * Hugging Face's simple packing; an example that straddles two rows is split, never dropped.
 */
public final class Packing {
  private Packing() {}

  public static List<TokenSequence> pack(List<TokenSequence> seqs, int width) {
    int total = 0;
    for (TokenSequence s : seqs) {
      total += s.length();
    }
    int[] ids = new int[total];
    boolean[] trained = new boolean[total];
    int at = 0;
    for (TokenSequence s : seqs) {
      System.arraycopy(s.ids(), 0, ids, at, s.length());
      System.arraycopy(s.trained(), 0, trained, at, s.length());
      at += s.length();
    }
    List<TokenSequence> rows = new ArrayList<>();
    for (int start = 0; start < total; start += width) {
      int end = Math.min(total, start + width);
      if (end - start < 2) {
        break; // a single token has no target
      }
      rows.add(new TokenSequence(Arrays.copyOfRange(ids, start, end),
          Arrays.copyOfRange(trained, start, end)));
    }
    return rows;
  }
}
