package ai.temper.engine.annotate;

import ai.temper.engine.store.AnnotationRepository.LabelRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How annotators label and how much they agree. Categories are the four answers a, b, tie,
 * both_bad (skips are no answer); a missing label is simply absent.
 *
 * <ul>
 *   <li>Cohen's kappa of two annotators over the pairs both labelled:
 *       (p_o - p_e) / (1 - p_e), p_e from each annotator's own answer frequencies there.</li>
 *   <li>Krippendorff's alpha (nominal) over all annotators, missing labels allowed:
 *       1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, with the coincidences o_ck
 *       of the pairs that have two or more labels, each pair's count divided by m_u - 1.</li>
 * </ul>
 */
public final class Agreement {
  /**
   * One annotator's habits.
   *
   * @param leftRate among a/b answers whose screen side is known, the fraction that chose the
   *                 response shown on the left (0.5: no position bias; NaN: none known)
   */
  public record AnnotatorStats(String annotator, int labels, int skips, double medianSeconds,
      double tieRate, double bothBadRate, double leftRate, int positionKnown) {}

  /** Cohen's kappa of two annotators over the {@code common} pairs both labelled. */
  public record PairKappa(String first, String second, int common, double observed,
      double kappa) {}

  /** The whole analysis of one session. */
  public record Report(List<AnnotatorStats> annotators, List<PairKappa> kappas, double alpha,
      int unitsForAlpha) {}

  private static final List<Choice> CATEGORIES = List.of(Choice.A, Choice.B, Choice.TIE,
      Choice.BOTH_BAD);

  private Agreement() {}

  /** The report on a session's labels. */
  public static Report of(List<LabelRow> labels) {
    Map<String, List<LabelRow>> byAnnotator = new TreeMap<>();
    Map<Integer, Map<String, Choice>> table = new TreeMap<>();
    for (LabelRow l : labels) {
      byAnnotator.computeIfAbsent(l.annotator(), k -> new ArrayList<>()).add(l);
      Choice c = Choice.of(l.choice());
      if (c.isLabel()) {
        table.computeIfAbsent(l.pairIdx(), k -> new TreeMap<>()).put(l.annotator(), c);
      }
    }
    List<AnnotatorStats> stats = new ArrayList<>();
    for (Map.Entry<String, List<LabelRow>> e : byAnnotator.entrySet()) {
      stats.add(stats(e.getKey(), e.getValue()));
    }
    List<String> names = new ArrayList<>(byAnnotator.keySet());
    List<PairKappa> kappas = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      for (int j = i + 1; j < names.size(); j++) {
        kappas.add(kappa(names.get(i), names.get(j), table));
      }
    }
    int units = 0;
    for (Map<String, Choice> u : table.values()) {
      units += u.size() >= 2 ? 1 : 0;
    }
    return new Report(stats, kappas, alpha(table), units);
  }

  static AnnotatorStats stats(String name, List<LabelRow> rows) {
    int labels = 0;
    int skips = 0;
    int ties = 0;
    int bothBad = 0;
    int known = 0;
    int left = 0;
    List<Double> seconds = new ArrayList<>();
    for (LabelRow l : rows) {
      Choice c = Choice.of(l.choice());
      if (!c.isLabel()) {
        skips++;
        continue;
      }
      labels++;
      ties += c == Choice.TIE ? 1 : 0;
      bothBad += c == Choice.BOTH_BAD ? 1 : 0;
      if (l.seconds() != null) {
        seconds.add(l.seconds());
      }
      if (c.isPreference() && l.leftSide() != null) {
        known++;
        left += c.id().equals(l.leftSide()) ? 1 : 0;
      }
    }
    return new AnnotatorStats(name, labels, skips, median(seconds),
        labels == 0 ? Double.NaN : (double) ties / labels,
        labels == 0 ? Double.NaN : (double) bothBad / labels,
        known == 0 ? Double.NaN : (double) left / known, known);
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
  }

  /** Cohen's kappa; NaN when they share no pair or when chance agreement is certain. */
  static PairKappa kappa(String x, String y, Map<Integer, Map<String, Choice>> table) {
    Map<Choice, Integer> fx = new EnumMap<>(Choice.class);
    Map<Choice, Integer> fy = new EnumMap<>(Choice.class);
    int n = 0;
    int agree = 0;
    for (Map<String, Choice> u : table.values()) {
      Choice cx = u.get(x);
      Choice cy = u.get(y);
      if (cx == null || cy == null) {
        continue;
      }
      n++;
      agree += cx == cy ? 1 : 0;
      fx.merge(cx, 1, Integer::sum);
      fy.merge(cy, 1, Integer::sum);
    }
    if (n == 0) {
      return new PairKappa(x, y, 0, Double.NaN, Double.NaN);
    }
    double po = (double) agree / n;
    double pe = 0;
    for (Choice c : CATEGORIES) {
      pe += (fx.getOrDefault(c, 0) / (double) n) * (fy.getOrDefault(c, 0) / (double) n);
    }
    double kappa = pe >= 1 ? Double.NaN : (po - pe) / (1 - pe);
    return new PairKappa(x, y, n, po, kappa);
  }

  /** Krippendorff's alpha, nominal; NaN when fewer than two values are pairable. */
  static double alpha(Map<Integer, Map<String, Choice>> table) {
    int k = CATEGORIES.size();
    double[][] o = new double[k][k];
    for (Map<String, Choice> u : table.values()) {
      int m = u.size();
      if (m < 2) {
        continue;
      }
      int[] count = new int[k];
      for (Choice c : u.values()) {
        count[CATEGORIES.indexOf(c)]++;
      }
      for (int c = 0; c < k; c++) {
        for (int d = 0; d < k; d++) {
          double pairs = c == d ? count[c] * (count[c] - 1.0) : (double) count[c] * count[d];
          o[c][d] += pairs / (m - 1);
        }
      }
    }
    double[] nc = new double[k];
    double n = 0;
    for (int c = 0; c < k; c++) {
      for (int d = 0; d < k; d++) {
        nc[c] += o[c][d];
      }
      n += nc[c];
    }
    double disagreeObserved = 0;
    double disagreeExpected = 0;
    for (int c = 0; c < k; c++) {
      for (int d = 0; d < k; d++) {
        if (c != d) {
          disagreeObserved += o[c][d];
          disagreeExpected += nc[c] * nc[d];
        }
      }
    }
    if (n < 2 || disagreeExpected == 0) {
      return Double.NaN;
    }
    return 1 - (n - 1) * disagreeObserved / disagreeExpected;
  }
}
