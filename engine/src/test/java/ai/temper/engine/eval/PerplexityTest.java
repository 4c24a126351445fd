package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.NoGrad;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.model.Stories260K;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Perplexity of stories260K against exp(mean token cross-entropy) computed here by hand. */
class PerplexityTest {
  static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved "
      + "to play outside in the sun. One day, she saw a big red ball in the park.";
  static final String OTHER = "Tom had a dog. The dog liked to run and jump. They were happy.";

  @Test
  void perplexityIsExpOfTheMeanTokenCrossEntropy() {
    Stories260K.assumePresent();
    try (LoadedModel m = ModelLoader.load(Stories260K.MODEL, Stories260K.TOKENIZER);
        NoGrad ng = NoGrad.enter(); NDManager nd = ai.temper.engine.Devices.newManager()) {
      // independently: one unpadded forward, log-softmax in Java, the next token's -log p
      int[] ids = m.tokenizer().encode(TEXT, true);
      int t = ids.length;
      NDArray logits = m.model().forward(nd.create(ids, new Shape(1, t)), null);
      float[] l = logits.toFloatArray();
      int v = m.config().vocabSize();
      double sum = 0;
      for (int j = 0; j < t - 1; j++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
          max = Math.max(max, l[j * v + k]);
        }
        double z = 0;
        for (int k = 0; k < v; k++) {
          z += Math.exp(l[j * v + k] - max);
        }
        sum += -(l[j * v + ids[j + 1]] - max - Math.log(z));
      }
      double expected = Math.exp(sum / (t - 1));

      // batched with a shorter text beside it (padding), and a window smaller than the text
      List<Perplexity.TextScore> s = Perplexity.score(m.model(), m.tokenizer(),
          List.of(TEXT, OTHER), 2, JobContext.none(), n -> { });
      assertThat(s.get(0).tokens()).isEqualTo(t - 1);
      assertThat(s.get(0).perplexity()).isCloseTo(expected, within(1e-4 * expected));
      assertThat(Perplexity.perplexity(List.of(s.get(0)))).isCloseTo(expected,
          within(1e-4 * expected));
      assertThat(s.get(0).bitsPerByte()).isCloseTo(sum / Math.log(2)
          / TEXT.getBytes(StandardCharsets.UTF_8).length, within(1e-5));
      // a tiny story model finds a tiny story far likelier than uniform over 512 tokens
      assertThat(expected).isBetween(1.0, 50.0);
    }
  }
}
