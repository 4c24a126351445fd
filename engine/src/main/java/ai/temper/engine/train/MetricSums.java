package ai.temper.engine.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** Running weighted means of named metrics (over the micro-batches of a step, or a pass). */
public final class MetricSums {
  private final Map<String, double[]> sums = new LinkedHashMap<>();

  public void add(String name, double value, double weight) {
    double[] s = sums.computeIfAbsent(name, k -> new double[2]);
    s[0] += value * weight;
    s[1] += weight;
  }

  public void add(String name, double value) {
    add(name, value, 1);
  }

  /** The weighted means, each under {@code prefix + name}. */
  public Map<String, Double> means(String prefix) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (var e : sums.entrySet()) {
      if (e.getValue()[1] > 0) {
        out.put(prefix + e.getKey(), e.getValue()[0] / e.getValue()[1]);
      }
    }
    return out;
  }
}
