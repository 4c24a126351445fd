package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The length-controlled win rate and the bootstrap intervals. */
class LengthControlTest {
  @Test
  void winsThatComeOnlyFromLengthAreControlledAway() {
    Random r = new Random(1);
    int n = 400;
    double[] prefs = new double[n];
    double[] diff = new double[n];
    double raw = 0;
    for (int i = 0; i < n; i++) {
      // the model's answers are mostly longer, and the judge likes length only
      diff[i] = 60 + 80 * r.nextGaussian();
      prefs[i] = LengthControl.sigmoid(diff[i] / 40);
      raw += prefs[i] / n;
    }
    assertThat(raw).isGreaterThan(0.7);
    assertThat(LengthControl.winRate(prefs, diff)).isCloseTo(0.5, within(0.05));
  }

  @Test
  void withoutALengthEffectTheRateIsTheWinRate() {
    Random r = new Random(2);
    int n = 400;
    double[] prefs = new double[n];
    double[] diff = new double[n];
    double raw = 0;
    for (int i = 0; i < n; i++) {
      diff[i] = 100 * r.nextGaussian();
      prefs[i] = 0.7;
      raw += prefs[i] / n;
    }
    assertThat(LengthControl.winRate(prefs, diff)).isCloseTo(raw, within(0.01));
  }

  @Test
  void bootstrapIntervalsCoverTheMeanAndShrinkWithMoreData() {
    double[] small = new double[20];
    double[] large = new double[2000];
    for (int i = 0; i < large.length; i++) {
      if (i < small.length) {
        small[i] = i % 2;
      }
      large[i] = i % 2;
    }
    Bootstrap.Interval s = Bootstrap.mean(small, 7);
    Bootstrap.Interval l = Bootstrap.mean(large, 7);
    assertThat(s.low()).isLessThan(0.5);
    assertThat(s.high()).isGreaterThan(0.5);
    assertThat(l.high() - l.low()).isLessThan((s.high() - s.low()) / 5);
    assertThat(Bootstrap.mean(small, 7)).isEqualTo(s); // seeded: reproducible
  }
}
