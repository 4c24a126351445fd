package ai.temper.engine.verify;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** String answers, normalised as SQuAD does: lower case, no punctuation, no articles. */
final class StringVerifiers {
  private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  private StringVerifiers() {}

  /** Lower case, ASCII punctuation and the articles a/an/the removed, whitespace collapsed. */
  static String normalize(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
      if (PUNCTUATION.indexOf(c) < 0) {
        sb.append(c);
      }
    }
    String noArticles = ARTICLES.matcher(sb).replaceAll(" ");
    return String.join(" ", noArticles.strip().split("\\s+")).strip();
  }

  /** The text inside the last {@code <answer>...</answer>} equals the label (normalised). */
  static Verification stringMatcher(String completion, String label) {
    int open = completion.lastIndexOf("<answer>");
    if (open < 0 || completion.indexOf("</answer>", open) < 0) {
      return Verification.of("string_matcher", false, "no <answer> tags");
    }
    String answer = completion.substring(open + 8, completion.indexOf("</answer>", open));
    return Verification.of("string_matcher", normalize(answer).equals(normalize(label)),
        answer.strip());
  }

  /** The text after the last "The answer is: " equals the label (normalised). */
  static Verification flan(String completion, String label) {
    int at = completion.lastIndexOf("The answer is: ");
    String answer = (at < 0 ? completion : completion.substring(at + 15)).strip();
    return Verification.of("flan", normalize(answer).equals(normalize(label)), answer);
  }

  /** Token F1 of the normalised answer (thinking removed) against the label. */
  static Verification f1(String completion, String label) {
    String[] p = split(normalize(Verifiers.removeThinking(completion)));
    String[] g = split(normalize(label));
    Map<String, Integer> counts = new HashMap<>();
    for (String t : g) {
      counts.merge(t, 1, Integer::sum);
    }
    int same = 0;
    for (String t : p) {
      Integer c = counts.get(t);
      if (c != null && c > 0) {
        same++;
        counts.put(t, c - 1);
      }
    }
    double f1 = 0;
    if (same > 0) {
      double precision = (double) same / p.length;
      double recall = (double) same / g.length;
      f1 = 2 * precision * recall / (precision + recall);
    }
    return new Verification("string_f1", f1, f1 >= 1.0 - 1e-12, String.format("F1 %.3f", f1));
  }

  private static String[] split(String s) {
    return s.isEmpty() ? new String[0] : s.split(" ");
  }
}
