package ai.temper.engine.data;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lengths per role, turns per example and duplicates of one dataset. Lengths are per message:
 * for pairs the prompt's turns count under their roles and the two continuations under
 * "chosen" and "rejected"; a text counts under "text".
 *
 * @param lengths per role, the length of every message in that role (unsorted)
 * @param turns per example, its number of turns (see {@link Example#turns()})
 */
public record DatasetStatistics(String dataset, long rows, long duplicates, String unit,
    Map<String, int[]> lengths, int[] turns) {

  /** Counts in equal-width bins over [0, max]. */
  public record Histogram(double[] edges, long[] counts) {}

  /** Five numbers that describe a distribution. */
  public record Summary(long count, int min, double median, double mean, int p95, int max) {}

  /** Reads the whole dataset (streaming, in pages) and measures it with {@code measure}. */
  public static DatasetStatistics compute(Database db, String name, LengthMeasure measure,
      JobContext ctx) {
    DatasetInfo d = Datasets.require(db, name);
    Map<String, IntList> byRole = new LinkedHashMap<>();
    IntList turns = new IntList();
    long[] seen = {0};
    db.datasets().forEach(d.id(), 1000, page -> {
      for (StoredExample s : page) {
        Example e = Datasets.parse(d, s);
        turns.add(e.turns());
        switch (e.kind()) {
          case TEXT -> add(byRole, "text", measure.length(e.text()));
          case PREFERENCE -> {
            addAll(byRole, e.prompt(), null, measure);
            addAll(byRole, e.chosen(), "chosen", measure);
            addAll(byRole, e.rejected(), "rejected", measure);
          }
          default -> addAll(byRole, e.messages(), null, measure);
        }
      }
      seen[0] += page.size();
      ctx.checkCancelled();
      ctx.progress(seen[0] / (double) Math.max(1, d.rowCount()),
          String.format("%,d examples", seen[0]));
    });
    Map<String, int[]> lengths = new LinkedHashMap<>();
    byRole.forEach((role, list) -> lengths.put(role, list.toArray()));
    return new DatasetStatistics(d.name(), d.rowCount(), db.datasets().duplicateCount(d.id()),
        measure.unit(), Collections.unmodifiableMap(lengths), turns.toArray());
  }

  private static void addAll(Map<String, IntList> byRole, List<Message> messages, String as,
      LengthMeasure measure) {
    for (Message m : messages) {
      add(byRole, as != null ? as : m.role(), measure.length(m.content()));
    }
  }

  private static void add(Map<String, IntList> byRole, String role, int length) {
    byRole.computeIfAbsent(role, r -> new IntList()).add(length);
  }

  public Summary summary(String role) {
    return summarise(lengths.getOrDefault(role, new int[0]));
  }

  public Summary turnSummary() {
    return summarise(turns);
  }

  public Histogram histogram(String role, int bins) {
    return histogram(lengths.getOrDefault(role, new int[0]), bins);
  }

  static Summary summarise(int[] values) {
    if (values.length == 0) {
      return new Summary(0, 0, 0, 0, 0, 0);
    }
    int[] v = values.clone();
    Arrays.sort(v);
    double mean = Arrays.stream(v).asLongStream().sum() / (double) v.length;
    double median = v.length % 2 == 1 ? v[v.length / 2]
        : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    int p95 = v[(int) Math.min(v.length - 1, Math.ceil(0.95 * v.length) - 1)];
    return new Summary(v.length, v[0], median, mean, p95, v[v.length - 1]);
  }

  static Histogram histogram(int[] values, int bins) {
    int max = 0;
    for (int x : values) {
      max = Math.max(max, x);
    }
    int b = Math.max(1, Math.min(bins, max + 1));
    double width = (max + 1) / (double) b;
    double[] edges = new double[b + 1];
    for (int i = 0; i <= b; i++) {
      edges[i] = i * width;
    }
    long[] counts = new long[b];
    for (int x : values) {
      counts[Math.min(b - 1, (int) (x / width))]++;
    }
    return new Histogram(edges, counts);
  }

  /** A growable int array (boxing a million lengths would cost more than the lengths). */
  static final class IntList {
    private int[] a = new int[64];
    private int n;

    void add(int x) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = x;
    }

    int[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
