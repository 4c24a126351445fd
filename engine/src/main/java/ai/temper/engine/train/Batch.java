package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Sequences padded on the right to the longest one, as arrays the model and losses take:
 * {@code inputIds} (B,T) int64; {@code labels} (B,T) the next token at each position (0 where
 * there is none); {@code lossMask} (B,T) float, 1 where that next token is a target;
 * {@code lastIndex} (B) int64, the position of each row's last token that is not the pad id
 * (where a reward head reads, as Hugging Face's sequence classifiers do).
 *
 * <p>Right padding needs no attention mask: under the causal mask a real token never sees
 * the padding that follows it, and positions count from 0 either way.
 */
public record Batch(NDArray inputIds, NDArray labels, NDArray lossMask, NDArray lastIndex,
    int rows, int width, long realTokens, long targetTokens, long[] targetPositions,
    long[] targetLabels, int[] targetRows) {

  /** Pads {@code seqs} with {@code padId} into arrays of {@code manager}. */
  public static Batch of(NDManager manager, List<TokenSequence> seqs, int padId) {
    int b = seqs.size();
    int t = 1;
    for (TokenSequence s : seqs) {
      t = Math.max(t, s.length());
    }
    long[] ids = new long[b * t];
    long[] labels = new long[b * t];
    float[] mask = new float[b * t];
    long[] last = new long[b];
    long real = 0;
    long targets = 0;
    List<long[]> picked = new java.util.ArrayList<>();
    for (int i = 0; i < b; i++) {
      TokenSequence s = seqs.get(i);
      int n = s.length();
      for (int j = 0; j < t; j++) {
        ids[i * t + j] = j < n ? s.ids()[j] : padId;
        if (j + 1 < n) {
          labels[i * t + j] = s.ids()[j + 1];
          if (s.trained()[j + 1]) {
            mask[i * t + j] = 1f;
            targets++;
            picked.add(new long[] {(long) i * t + j, s.ids()[j + 1], i});
          }
        }
      }
      int lastReal = n - 1;
      while (lastReal > 0 && s.ids()[lastReal] == padId) {
        lastReal--;
      }
      last[i] = Math.max(0, lastReal);
      real += n;
    }
    long[] positions = new long[picked.size()];
    long[] targetLabels = new long[picked.size()];
    int[] owners = new int[picked.size()];
    for (int k = 0; k < positions.length; k++) {
      positions[k] = picked.get(k)[0];
      targetLabels[k] = picked.get(k)[1];
      owners[k] = (int) picked.get(k)[2];
    }
    return new Batch(manager.create(ids, new Shape(b, t)), manager.create(labels, new Shape(b, t)),
        manager.create(mask, new Shape(b, t)), manager.create(last), b, t, real, targets,
        positions, targetLabels, owners);
  }
}
