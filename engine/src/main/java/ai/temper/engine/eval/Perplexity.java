package ai.temper.engine.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.NoGrad;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Negative log-likelihood of texts under a model, for perplexity and bits per byte. A text is
 * encoded with BOS; every token after BOS is predicted once from what precedes it. Texts longer
 * than the context are cut into windows of the context's length that overlap by one token (the
 * last token of a window starts the next), so no token is predicted twice; tokens early in a
 * later window see a shorter history, as in a non-strided evaluation.
 *
 * <p>perplexity = exp(sum nll / predicted tokens); bits per byte = sum nll / ln 2 / UTF-8
 * bytes of the texts.
 */
public final class Perplexity {
  /** One text's summed negative log-likelihood (nats), predicted tokens and UTF-8 bytes. */
  public record TextScore(double nll, long tokens, long bytes) {
    public double perplexity() {
      return tokens == 0 ? Double.NaN : Math.exp(nll / tokens);
    }

    public double bitsPerByte() {
      return bytes == 0 ? Double.NaN : nll / Math.log(2) / bytes;
    }
  }

  private record Window(int text, int[] ids) {}

  private Perplexity() {}

  public static double perplexity(List<TextScore> s) {
    double nll = 0;
    long n = 0;
    for (TextScore t : s) {
      nll += t.nll();
      n += t.tokens();
    }
    return n == 0 ? Double.NaN : Math.exp(nll / n);
  }

  public static double bitsPerByte(List<TextScore> s) {
    double nll = 0;
    long b = 0;
    for (TextScore t : s) {
      nll += t.nll();
      b += t.bytes();
    }
    return b == 0 ? Double.NaN : nll / Math.log(2) / b;
  }

  /** Scores {@code texts} in batches of {@code batch} windows; {@code done} hears each batch. */
  public static List<TextScore> score(LlamaModel model, Tokenizer tokenizer, List<String> texts,
      int batch, JobContext ctx, IntConsumer done) {
    int context = model.config().maxPositionEmbeddings();
    // logits and log-probs of a batch are B x T x vocab floats each: keep them near 256 MB
    long perWindow = (long) context * model.config().vocabSize();
    batch = (int) Math.max(1, Math.min(batch, (64L << 20) / Math.max(1, perWindow)));
    List<Window> windows = new ArrayList<>();
    long[] tokens = new long[texts.size()];
    for (int i = 0; i < texts.size(); i++) {
      int[] ids = tokenizer.encode(texts.get(i), true);
      tokens[i] = Math.max(0, ids.length - 1);
      for (int s = 0; s < ids.length - 1; ) {
        int end = Math.min(ids.length, s + context);
        int[] w = new int[end - s];
        System.arraycopy(ids, s, w, 0, w.length);
        windows.add(new Window(i, w));
        s = end - 1;
      }
    }
    // similar lengths in a batch: less padding
    List<Window> order = new ArrayList<>(windows);
    order.sort(Comparator.comparingInt((Window w) -> w.ids().length));
    double[] nll = new double[texts.size()];
    int pad = tokenizer.padId();
    try (NoGrad ng = NoGrad.enter(); NDManager root = ai.temper.engine.Devices.newManager()) {
      for (int from = 0; from < order.size(); from += batch) {
        ctx.checkCancelled();
        List<Window> chunk = order.subList(from, Math.min(order.size(), from + batch));
        int t = chunk.get(chunk.size() - 1).ids().length;
        int b = chunk.size();
        int[] ids = new int[b * t];
        int[] mask = new int[b * t];
        int[] targets = new int[b * (t - 1)];
        float[] valid = new float[b * (t - 1)];
        for (int r = 0; r < b; r++) {
          int[] w = chunk.get(r).ids();
          for (int j = 0; j < t; j++) {
            ids[r * t + j] = j < w.length ? w[j] : pad;
            mask[r * t + j] = j < w.length ? 1 : 0;
          }
          for (int j = 0; j < t - 1; j++) {
            targets[r * (t - 1) + j] = j + 1 < w.length ? w[j + 1] : 0;
            valid[r * (t - 1) + j] = j + 1 < w.length ? 1f : 0f;
          }
        }
        try (NDManager m = root.newSubManager()) {
          NDArray logits = model.forward(m.create(ids, new Shape(b, t)),
              m.create(mask, new Shape(b, t)));
          NDArray logp = logits.get(new NDIndex(":, :-1, :")).logSoftmax(2);
          NDArray picked = logp.gather(m.create(targets, new Shape(b, t - 1, 1))
              .toType(ai.djl.ndarray.types.DataType.INT64, false), 2)
              .reshape(b, t - 1);
          float[] rows = picked.mul(m.create(valid, new Shape(b, t - 1))).sum(new int[] {1})
              .toFloatArray();
          for (int r = 0; r < b; r++) {
            nll[chunk.get(r).text()] -= rows[r];
          }
        }
        done.accept(chunk.size());
      }
    }
    List<TextScore> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      out.add(new TextScore(nll[i], tokens[i],
          texts.get(i).getBytes(StandardCharsets.UTF_8).length));
    }
    return out;
  }
}
