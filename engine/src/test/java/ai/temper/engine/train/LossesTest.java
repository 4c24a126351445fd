package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.Devices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each loss against a hand computation on a fixed tiny batch. */
class LossesTest {
  private final NDManager nd = Devices.newManager();

  // two pairs: summed log-probs of policy and reference, and completion lengths
  private final double[] pc = {-4.0, -9.0};
  private final double[] pr = {-6.0, -7.5};
  private final double[] rc = {-5.0, -8.0};
  private final double[] rr = {-5.5, -8.5};
  private final double[] lc = {4, 6};
  private final double[] lr = {3, 5};

  @AfterEach
  void close() {
    nd.close();
  }

  private NDArray a(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return nd.create(f);
  }

  private static double logSigmoid(double x) {
    return -Math.log1p(Math.exp(-x));
  }

  private Losses.PreferenceLoss loss(String type, double beta, double eps, double ratio) {
    return Losses.preference(type, a(pc), a(pr), a(rc), a(rr), a(lc), a(lr), beta, eps, ratio);
  }

  @Test
  void dpoSigmoidWithLabelSmoothing() {
    double beta = 0.5;
    double eps = 0.1;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double z = (pc[i] - rc[i]) - (pr[i] - rr[i]);
      expected += -(1 - eps) * logSigmoid(beta * z) - eps * logSigmoid(-beta * z);
    }
    expected /= 2;
    Losses.PreferenceLoss l = loss("dpo", beta, eps, 0);
    assertThat(l.loss().getFloat()).isCloseTo((float) expected, within(1e-5f));
    assertThat(l.chosenRewards().toFloatArray()).containsExactly(
        (float) (beta * (pc[0] - rc[0])), (float) (beta * (pc[1] - rc[1])));
    assertThat(l.rejectedRewards().toFloatArray()[1]).isCloseTo(
        (float) (beta * (pr[1] - rr[1])), within(1e-6f));
  }

  @Test
  void dpoNormUsesPerTokenAverages() {
    double beta = 5;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double z = (pc[i] - rc[i]) / lc[i] - (pr[i] - rr[i]) / lr[i];
      expected += -logSigmoid(beta * z);
    }
    expected /= 2;
    assertThat(loss("dpo_norm", beta, 0, 0).loss().getFloat())
        .isCloseTo((float) expected, within(1e-5f));
  }

  @Test
  void simpoIsReferenceFreeWithTargetMargin() {
    double beta = 2;
    double ratio = 0.3;
    double gamma = ratio * beta;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double z = pc[i] / lc[i] - pr[i] / lr[i];
      expected += -logSigmoid(beta * z - gamma);
    }
    expected /= 2;
    Losses.PreferenceLoss l = loss("simpo", beta, 0, ratio);
    assertThat(l.loss().getFloat()).isCloseTo((float) expected, within(1e-5f));
    assertThat(l.chosenRewards().toFloatArray()[0]).isCloseTo((float) (beta * pc[0] / lc[0]),
        within(1e-6f));
  }

  @Test
  void bradleyTerryWithMarginAndCentering() {
    double[] c = {1.5, -0.2, 0.3};
    double[] r = {0.5, 0.4, 0.3};
    double margin = 0.25;
    double coef = 0.01;
    double bt = 0;
    double center = 0;
    for (int i = 0; i < 3; i++) {
      bt += -logSigmoid(c[i] - r[i] - margin);
      center += (c[i] + r[i]) * (c[i] + r[i]);
    }
    double expected = bt / 3 + coef * center / 3;
    assertThat(Losses.bradleyTerry(a(c), a(r), margin, coef).getFloat())
        .isCloseTo((float) expected, within(1e-5f));
  }

  @Test
  void maskedTokenLossCountsOnlyMaskedPositions() {
    // B=1, T=3, V=2: logits chosen so log-probs are easy to write down
    NDArray logits = nd.create(new float[] {0, 0, 1, 0, 0, 2}, new Shape(1, 3, 2));
    NDArray labels = nd.create(new long[] {0, 0, 1}, new Shape(1, 3));
    NDArray mask = nd.create(new float[] {0, 1, 1}, new Shape(1, 3));
    NDArray logp = Losses.tokenLogProbs(logits, labels);
    double l1 = 1 - Math.log(Math.exp(1) + 1);
    double l2 = 2 - Math.log(1 + Math.exp(2));
    assertThat(Losses.maskedNll(logp, mask).getFloat())
        .isCloseTo((float) (-(l1 + l2) / 2), within(1e-6f));
    assertThat(Losses.sequenceLogProbs(logp, mask).getFloat())
        .isCloseTo((float) (l1 + l2), within(1e-6f));
  }

  @Test
  void ipoSquaresTheAveragedMarginAgainstHalfInverseBeta() {
    double beta = 0.5;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double z = (pc[i] - rc[i]) / lc[i] - (pr[i] - rr[i]) / lr[i];
      expected += Math.pow(z - 1 / (2 * beta), 2);
    }
    expected /= 2;
    Losses.PreferenceLoss l = loss("ipo", beta, 0, 0);
    assertThat(l.loss().getFloat()).isCloseTo((float) expected, within(1e-5f));
    // pair 0: z = 1/4 - (-1/2)/3 = 0.41667; (0.41667 - 1)^2 = 0.34028
    // pair 1: z = -1/6 - 1/5 = -0.36667; (-0.36667 - 1)^2 = 1.86778
    assertThat(l.loss().getFloat()).isCloseTo(1.10403f, within(1e-4f));
    assertThat(l.chosenRewards().toFloatArray()[0]).isCloseTo((float) (beta * 1.0 / 4),
        within(1e-6f));
  }

  @Test
  void hingeIsReluOfOneMinusBetaMargin() {
    // z = (pc - rc) - (pr - rr): pair 0: 1 - (-0.5) = 1.5; pair 1: -1 - 1 = -2
    Losses.PreferenceLoss l = loss("hinge", 0.5, 0, 0);
    // relu(1 - 0.75) = 0.25; relu(1 + 1) = 2
    assertThat(l.loss().getFloat()).isCloseTo((0.25f + 2f) / 2, within(1e-5f));
    Losses.PreferenceLoss big = loss("hinge", 2.0, 0, 0);
    // relu(1 - 3) = 0; relu(1 + 4) = 5
    assertThat(big.loss().getFloat()).isCloseTo(2.5f, within(1e-5f));
  }

  @Test
  void robustDividesTheSmoothedLossByOneMinusTwoEps() {
    double beta = 0.5;
    double eps = 0.1;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double z = (pc[i] - rc[i]) - (pr[i] - rr[i]);
      expected += (-(1 - eps) * logSigmoid(beta * z) + eps * logSigmoid(-beta * z))
          / (1 - 2 * eps);
    }
    expected /= 2;
    assertThat(loss("robust", beta, eps, 0).loss().getFloat())
        .isCloseTo((float) expected, within(1e-5f));
    // without smoothing it is plain DPO
    assertThat(loss("robust", beta, 0, 0).loss().getFloat())
        .isCloseTo(loss("dpo", beta, 0, 0).loss().getFloat(), within(1e-6f));
  }

  @Test
  void wpoWeightsEachPairByThePolicysConfidence() {
    double beta = 0.5;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double z = (pc[i] - rc[i]) - (pr[i] - rr[i]);
      double w = Math.min(1, Math.exp(pc[i] / lc[i] + pr[i] / lr[i]));
      expected += -logSigmoid(beta * z) * w;
    }
    expected /= 2;
    // pair 0: w = exp(-1 - 2) = 0.04979; pair 1: w = exp(-1.5 - 1.5) = 0.04979
    Losses.PreferenceLoss l = loss("wpo", beta, 0, 0);
    assertThat(l.loss().getFloat()).isCloseTo((float) expected, within(1e-5f));
    assertThat(l.loss().getFloat()).isLessThan(loss("dpo", beta, 0, 0).loss().getFloat() / 10);
  }
}
