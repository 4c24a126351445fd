package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.Example;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Scores one generated answer of a generate task. Each instance gets one value per metric
 * (the first is the task's primary metric); a task's metric is their mean.
 */
public interface AnswerScorer {
  /** The answer read from the output and the instance's value of each metric. */
  record Scored(String extracted, Map<String, Double> values) {
    public double primary() {
      return values.values().iterator().next();
    }
  }

  Scored score(String output, Example instance);

  /** The scorer a suite names: gsm8k, math, ifeval, exact or prefix. */
  static AnswerScorer of(String name) {
    return switch (name) {
      case "exact" -> (out, e) -> {
        String got = normalize(firstLine(out));
        String want = normalize(Prompts.target(e));
        return one("exact_match", got, got.equals(want));
      };
      case "prefix" -> (out, e) -> {
        String got = normalize(out);
        String want = normalize(Prompts.target(e));
        return one("exact_match", firstLine(out).strip(), !want.isEmpty()
            && got.startsWith(want));
      };
      default -> VerifierScorers.of(name);
    };
  }

  static Scored one(String metric, String extracted, boolean right) {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put(metric, right ? 1.0 : 0.0);
    return new Scored(extracted, v);
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  /** Lowercased, whitespace collapsed, trailing punctuation dropped. */
  static String normalize(String s) {
    if (s == null) {
      throw new TemperException("the instance has no reference answer to compare with");
    }
    return s.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ")
        .replaceAll("[.!?,;:]+$", "");
  }
}
