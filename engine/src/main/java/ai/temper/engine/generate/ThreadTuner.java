package ai.temper.engine.generate;

/**
 * Picks the intra-op thread count for decode steps by timing them. Two OpenMP threads speed up
 * batched steps on an idle machine, but when other processes keep the cores busy every parallel
 * region waits for a descheduled worker and a step can take ten times longer than on one
 * thread. So steps run on the faster of the two counts seen so far, and the slower one is tried
 * again now and then, within a small share of the time spent, in case the load has changed.
 */
final class ThreadTuner {
  private static final double ALPHA = 0.3;
  private static final double EXPLORE_SHARE = 0.05;
  private static final int MIN_GAP = 16;

  private final int[] arms;
  private final double[] mean = new double[2];
  private final int[] samples = new int[2];
  private long total;
  private long exploring;
  private int sinceExplore;
  private int current = -1;
  private boolean explore;

  private ThreadTuner(int low, int high) {
    this.arms = new int[] {low, high};
  }

  /** Tunes between one thread and {@code max}. */
  static ThreadTuner upTo(int max) {
    return new ThreadTuner(1, Math.max(1, max));
  }

  /** Always {@code n} threads. */
  static ThreadTuner fixed(int n) {
    return new ThreadTuner(n, n);
  }

  /** The thread count for the next step. */
  int next() {
    if (arms[0] == arms[1]) {
      return arms[0];
    }
    for (int a = 0; a < 2; a++) {
      if (samples[a] < 2) {
        return choose(a, true);
      }
    }
    int best = mean[0] <= mean[1] ? 0 : 1;
    sinceExplore++;
    if (sinceExplore >= MIN_GAP && exploring < EXPLORE_SHARE * total) {
      sinceExplore = 0;
      return choose(1 - best, true);
    }
    return choose(best, false);
  }

  private int choose(int arm, boolean isExploring) {
    current = arm;
    explore = isExploring;
    return arms[arm];
  }

  /** The duration of the step run with the count {@link #next} returned. */
  void record(long nanos) {
    if (current < 0 || arms[0] == arms[1]) {
      return;
    }
    mean[current] = samples[current] == 0 ? nanos : (1 - ALPHA) * mean[current] + ALPHA * nanos;
    samples[current]++;
    total += nanos;
    if (explore) {
      exploring += nanos;
    }
  }
}
