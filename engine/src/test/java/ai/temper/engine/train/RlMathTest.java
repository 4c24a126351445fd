package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import org.junit.jupiter.api.Test;

/** GRPO and PPO formulas against values worked out by hand on a fixed tiny batch. */
class RlMathTest {
  @Test
  void groupAdvantagesStandardiseCenterAndDropEqualGroups() {
    double[] rewards = {10, 0, 0, 10, 5, 5, 5, 5, 10, 0, 0, 0};
    RlMath.GroupAdvantages s = RlMath.groupAdvantages(rewards, 4, true);
    // group 1: mean 5, population std 5 -> +-1; group 2: std 0, dropped
    assertThat(s.advantages()[0]).isCloseTo(1.0, within(1e-6));
    assertThat(s.advantages()[1]).isCloseTo(-1.0, within(1e-6));
    assertThat(s.kept()).containsExactly(true, true, true, true, false, false, false, false,
        true, true, true, true);
    assertThat(s.droppedGroups()).isEqualTo(1);
    assertThat(s.groups()).isEqualTo(3);
    // group 3: mean 2.5, std sqrt((7.5^2 + 3 * 2.5^2) / 4) = sqrt(18.75) = 4.330127
    assertThat(s.advantages()[8]).isCloseTo(7.5 / 4.330127, within(1e-5));
    assertThat(s.advantages()[9]).isCloseTo(-2.5 / 4.330127, within(1e-5));
    RlMath.GroupAdvantages c = RlMath.groupAdvantages(rewards, 4, false);
    assertThat(c.advantages()).startsWith(5, -5, -5, 5, 0, 0, 0, 0, 7.5, -2.5);
  }

  @Test
  void clippedPolicyLossWithKl3MatchesHandValues() {
    try (NDManager nd = Devices.newManager()) {
      NDArray logp = nd.create(new float[] {-1.0f, -2.0f, -0.5f});
      NDArray old = nd.create(new float[] {-1.2f, -1.5f, -0.5f});
      NDArray ref = nd.create(new float[] {-1.0f, -1.8f, -0.7f});
      NDArray adv = nd.create(new float[] {1f, -1f, 2f});
      RlMath.TokenLoss l = RlMath.tokenLoss(logp, old, ref, adv, 0.2, 0.28, 0.1, "kl3");
      // ratio exp(0.2), exp(-0.5), 1; token 2 is clipped up to 0.8 (A < 0), token 1 would be
      // clipped only above 1.28
      float[] ratio = l.ratio().toFloatArray();
      assertThat(ratio[0]).isCloseTo(1.2214028f, within(1e-6f));
      assertThat(ratio[1]).isCloseTo(0.6065307f, within(1e-6f));
      assertThat(ratio[2]).isCloseTo(1f, within(1e-6f));
      assertThat(l.clipped().toFloatArray()).containsExactly(0f, 1f, 0f);
      // kl3 with d = logp - ref = 0, -0.2, 0.2: exp(-d) - 1 + d
      float[] kl = l.kl().toFloatArray();
      assertThat(kl[0]).isCloseTo(0f, within(1e-7f));
      assertThat(kl[1]).isCloseTo(0.0214028f, within(1e-6f));
      assertThat(kl[2]).isCloseTo(0.0187308f, within(1e-6f));
      // loss per token: max(-A r, -A clip(r)) + 0.1 kl
      float[] loss = l.loss().toFloatArray();
      assertThat(loss[0]).isCloseTo(-1.2214028f, within(1e-6f));
      assertThat(loss[1]).isCloseTo(0.8f + 0.00214028f, within(1e-6f));
      assertThat(loss[2]).isCloseTo(-2f + 0.00187308f, within(1e-6f));
      assertThat(l.loss().mean().getFloat()).isCloseTo(-0.8057965f, within(1e-6f));
      // the other estimators on the same d
      assertThat(RlMath.kl("kl1", logp, ref, l.ratio()).toFloatArray()[1])
          .isCloseTo(-0.2f, within(1e-6f));
      assertThat(RlMath.kl("kl2", logp, ref, l.ratio()).toFloatArray()[2])
          .isCloseTo(0.02f, within(1e-6f));
      assertThat(RlMath.kl("kl4", logp, ref, l.ratio()).toFloatArray()[1])
          .isCloseTo(0.6065307f * -0.2f, within(1e-6f));
      assertThat(RlMath.kl("kl3", -2.0, -1.8, 1)).isCloseTo(0.0214028, within(1e-6));
    }
  }

  @Test
  void gaeWhiteningAndClippedValueLoss() {
    double[][] g = RlMath.gae(new double[] {0, 0, 1}, new double[] {0.5, 0.5, 0.5}, 1.0, 0.95);
    assertThat(g[0]).containsExactly(new double[] {0.45125, 0.475, 0.5}, within(1e-9));
    assertThat(g[1]).containsExactly(new double[] {0.95125, 0.975, 1.0}, within(1e-9));
    double[][] w = {{1, 2}, {3}};
    RlMath.whiten(w);
    assertThat(w[0][0]).isCloseTo(-1.0, within(1e-6)); // mean 2, unbiased std 1
    assertThat(w[1][0]).isCloseTo(1.0, within(1e-6));
    try (NDManager nd = Devices.newManager()) {
      RlMath.ValueLoss v = RlMath.valueLoss(nd.create(new float[] {1f, 0f}),
          nd.create(new float[] {0.5f, 0.5f}), nd.create(new float[] {2f, 0f}), 0.2);
      // clipped values 0.7, 0.3: 0.5 * max(1, 1.69) and 0.5 * max(0, 0.09)
      assertThat(v.loss().toFloatArray()).containsExactly(new float[] {0.845f, 0.045f},
          within(1e-6f));
      assertThat(v.clipped().toFloatArray()).containsExactly(1f, 1f);
    }
  }
}
