package ai.temper.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadTunerTest {

  /** Runs 2,000 steps where a step on {@code threads} takes cost[threads] ns; returns time. */
  private static long run(ThreadTuner t, long oneThread, long twoThreads, int[] counts) {
    long time = 0;
    for (int i = 0; i < 2000; i++) {
      int n = t.next();
      counts[n]++;
      long cost = n == 1 ? oneThread : twoThreads;
      t.record(cost);
      time += cost;
    }
    return time;
  }

  @Test
  void settlesOnTheFasterCountAndSpendsLittleOnTheOther() {
    int[] counts = new int[3];
    long time = run(ThreadTuner.upTo(2), 1_000, 12_000, counts); // a busy machine
    assertThat(counts[1]).isGreaterThan(1900);
    assertThat(time).isLessThan((long) (2000 * 1_000 * 1.07));
    counts = new int[3];
    run(ThreadTuner.upTo(2), 1_000, 700, counts); // an idle one, batched steps
    assertThat(counts[2]).isGreaterThan(1900);
  }

  @Test
  void followsAChangeOfLoad() {
    ThreadTuner t = ThreadTuner.upTo(2);
    run(t, 1_000, 700, new int[3]);
    int[] counts = new int[3];
    run(t, 1_000, 12_000, counts); // other processes start
    assertThat(counts[1]).isGreaterThan(1800);
  }

  @Test
  void fixedCountsAreKept() {
    int[] counts = new int[3];
    run(ThreadTuner.fixed(2), 1_000, 12_000, counts);
    assertThat(counts[2]).isEqualTo(2000);
  }
}
