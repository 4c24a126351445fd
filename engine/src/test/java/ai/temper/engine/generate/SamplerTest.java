package ai.temper.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import ai.temper.engine.model.DecodeSession;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The block-sum draw picks what the plain inverse-CDF draw over the whole row picks with the
 * same generator, and the generator's sampled tokens are those draws, row by row.
 */
class SamplerTest {

  /** A softmax row of {@code vocab} logits drawn at {@code scale}; {@code zeros} of them 0. */
  private static float[] row(Random r, int vocab, double scale, int zeros) {
    double[] logits = new double[vocab];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      logits[i] = r.nextGaussian() * scale;
      max = Math.max(max, logits[i]);
    }
    float[] p = new float[vocab];
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(logits[i] - max);
    }
    for (int i = 0; i < vocab; i++) {
      p[i] = (float) (Math.exp(logits[i] - max) / sum);
    }
    for (int z = 0; z < zeros; z++) {
      p[r.nextInt(vocab)] = 0;
    }
    return p;
  }

  /** Float block sums of a row, as libtorch's sum gives them (up to rounding). */
  private static float[] blockSums(float[] p) {
    int blocks = p.length / Sampler.BLOCK;
    float[] s = new float[blocks];
    for (int k = 0; k < blocks; k++) {
      for (int i = k * Sampler.BLOCK; i < (k + 1) * Sampler.BLOCK; i++) {
        s[k] += p[i];
      }
    }
    return s;
  }

  @Test
  void blockedDrawEqualsTheFullScanForTheSameSeeds() {
    Sampler full = new Sampler(0, 1.0);
    Random data = new Random(5);
    int draws = 0;
    for (int vocab : new int[] {100, 128, 512, 1000, 32000}) {
      for (double scale : new double[] {0.1, 1, 4, 12}) {
        for (int trial = 0; trial < (vocab > 5000 ? 40 : 150); trial++) {
          float[] p = row(data, vocab, scale, trial % 3 == 0 ? vocab / 4 : 0);
          long seed = data.nextLong();
          int a = full.sample(p, 0, vocab, new Random(seed));
          int b = Sampler.drawBlocked(FloatBuffer.wrap(p), 0, vocab, blockSums(p), 0,
              new Random(seed));
          assertThat(b).as("vocab %d scale %s trial %d", vocab, scale, trial).isEqualTo(a);
          assertThat(p[b]).isPositive();
          draws++;
        }
      }
    }
    assertThat(draws).isGreaterThan(2000);
  }

  @Test
  void blockedDrawsFollowTheProbabilitiesAndSkipZeros() {
    int vocab = 1000; // 7 whole blocks and a tail of 104
    float[] p = new float[vocab];
    p[3] = 0.5f;
    p[500] = 0.3f;
    p[999] = 0.2f; // in the tail
    int[] counts = new int[vocab];
    Random rng = new Random(11);
    float[] sums = blockSums(p);
    int n = 20000;
    for (int i = 0; i < n; i++) {
      counts[Sampler.drawBlocked(FloatBuffer.wrap(p), 0, vocab, sums, 0, rng)]++;
    }
    assertThat(counts[3] + counts[500] + counts[999]).isEqualTo(n);
    assertThat(counts[3] / (double) n).isBetween(0.48, 0.52);
    assertThat(counts[500] / (double) n).isBetween(0.28, 0.32);
    assertThat(counts[999] / (double) n).isBetween(0.18, 0.22);
    // a block's sum rounded above its tokens' running sum, u in between: its last token
    float[] two = new float[2 * Sampler.BLOCK];
    two[3] = 0.5f;
    two[200] = 0.5f;
    Random high = new Random(0) {
      @Override
      public double nextDouble() {
        return 0.9999999;
      }
    };
    assertThat(Sampler.drawBlocked(FloatBuffer.wrap(two), 0, two.length,
        new float[] {0.5f, 0.6f}, 0, high)).isEqualTo(200);
    // offsets: the second row of a two-row buffer draws from its own probabilities
    float[] both = new float[2 * vocab];
    System.arraycopy(p, 0, both, vocab, vocab);
    both[7] = 1;
    float[] bothSums = new float[2 * (vocab / Sampler.BLOCK)];
    System.arraycopy(sums, 0, bothSums, sums.length, sums.length);
    bothSums[0] = 1;
    assertThat(Sampler.drawBlocked(FloatBuffer.wrap(both), vocab, vocab, bothSums, sums.length,
        new Random(1))).isIn(3, 500, 999);
    assertThat(Sampler.drawBlocked(FloatBuffer.wrap(both), 0, vocab, bothSums, 0,
        new Random(1))).isEqualTo(7);
  }

  @Test
  void topKAndTopPKeepOnlyTheirTokens() {
    float[] p = {0.05f, 0.4f, 0.1f, 0.3f, 0.15f};
    Sampler topK = new Sampler(2, 1.0);
    Sampler topP = new Sampler(0, 0.8); // 0.4 + 0.3 < 0.8: also 0.15
    Random rng = new Random(3);
    boolean[] seenK = new boolean[5];
    boolean[] seenP = new boolean[5];
    for (int i = 0; i < 2000; i++) {
      seenK[topK.sample(p, 0, 5, rng)] = true;
      seenP[topP.sample(p, 0, 5, rng)] = true;
    }
    assertThat(seenK).containsExactly(false, true, false, true, false);
    assertThat(seenP).containsExactly(false, true, false, true, true);
    assertThat(topK.cuts(5)).isTrue();
    assertThat(new Sampler(5, 1.0).cuts(5)).isFalse();
  }

  @Test
  void sampledTokensAreEachRowsOwnInverseCdfDraws() {
    Stories260K.assumePresent();
    try (LlamaModel model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL));
        Llama2cTokenizer tok = Llama2cTokenizer.read(Stories260K.TOKENIZER)) {
      List<int[]> prompts = List.of(tok.encode("Once upon a time", true),
          tok.encode("Lily and Ben", true), tok.encode("Once upon a time", true));
      long seed = 7;
      double temperature = 0.8;
      SamplingParams params = SamplingParams.defaults().withTemperature(temperature)
          .withMaxNewTokens(40).withIgnoreEos(true).withSeed(seed);
      List<Generation> gens = new Generator(model, tok).generateIds(prompts, params,
          TokenListener.NONE);
      Sampler full = new Sampler(0, 1.0);
      for (int r = 0; r < prompts.size(); r++) {
        int[] prompt = prompts.get(r);
        int[] got = gens.get(r).completionIds();
        assertThat(got).hasSize(40);
        Random rng = new Random(seed + r);
        try (NDManager nd = Devices.newManager();
            DecodeSession alone = model.newSession(1, prompt.length + got.length)) {
          NDArray logits = alone.prefill(new int[][] {prompt}, null, nd, false);
          for (int j = 0; j < got.length; j++) {
            float[] probs = logits.div(temperature).softmax(1).toFloatArray();
            assertThat(got[j]).as("row %d token %d", r, j)
                .isEqualTo(full.sample(probs, 0, probs.length, rng));
            logits = alone.step(new int[] {got[j]}, nd);
          }
        }
      }
      assertThat(gens.get(2).completionIds()).isNotEqualTo(gens.get(0).completionIds());
    }
  }
}
