package ai.temper.engine.eval;

import java.util.Arrays;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Percentile bootstrap confidence intervals: resample the instances with replacement, recompute
 * the metric, take the 2.5th and 97.5th percentiles. Seeded, so a stored interval is
 * reproducible.
 */
public final class Bootstrap {
  public static final int RESAMPLES = 1000;

  /** A two-sided interval. */
  public record Interval(double low, double high) {}

  private Bootstrap() {}

  /** The interval of the mean of {@code values}. */
  public static Interval mean(double[] values, long seed) {
    return of(values.length, idx -> {
      double s = 0;
      for (int i : idx) {
        s += values[i];
      }
      return s / idx.length;
    }, seed);
  }

  /**
   * The interval of {@code metric}, a function of a resample (indices into the {@code n}
   * instances, repeats allowed). Null when there are no instances.
   */
  public static Interval of(int n, ToDoubleFunction<int[]> metric, long seed) {
    if (n == 0) {
      return null;
    }
    Random r = new Random(seed);
    double[] stats = new double[RESAMPLES];
    int[] idx = new int[n];
    for (int b = 0; b < RESAMPLES; b++) {
      for (int i = 0; i < n; i++) {
        idx[i] = r.nextInt(n);
      }
      stats[b] = metric.applyAsDouble(idx);
    }
    Arrays.sort(stats);
    return new Interval(percentile(stats, 0.025), percentile(stats, 0.975));
  }

  private static double percentile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
