package ai.temper.engine.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MATH-style answers. Candidates: the last {@code \boxed{}} (or {@code \fbox{}}), Minerva's
 * "Final Answer: The final answer is X. I hope it is correct.", else the last {@code $...$}
 * span, else the whole output. A candidate matches when, after light normalisation (Minerva's
 * final-answer normalisation, or Hendrycks' string clean-up: {@code \left}/{@code \right},
 * {@code dfrac}, units, spaces, {@code a/b} as a fraction), it equals the label, or both read
 * as the same number. {@code strict_math} takes the Minerva form only. (open-instruct also
 * asks sympy for symbolic equality; that is not done here.)
 */
final class MathVerifier {
  private static final Pattern MINERVA =
      Pattern.compile("Final Answer: The final answer is(.*?)\\. I hope it is correct\\.",
          Pattern.DOTALL);
  private static final String[][] SUBSTITUTIONS = {
      {"an ", ""}, {"a ", ""}, {".$", "$"}, {"\\$", ""}, {"\\ ", ""}, {" ", ""},
      {"mbox", "text"}, {",\\text{and}", ","}, {"\\text{and}", ","}, {"\\text{m}", "\\text{}"}};
  private static final String[] REMOVED = {
      "square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units",
      "\\ldots", "sue", "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm",
      "pounds", "meters", "meals", "edges", "students", "childrentickets", "multiples",
      "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}",
      "\\text{}", "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", "\"", "\\dots"};

  private MathVerifier() {}

  static Verification verify(String completion, String label, boolean strict) {
    String name = strict ? "strict_math" : "math";
    List<String> candidates = new ArrayList<>();
    if (!strict) {
      String boxed = lastBoxed(completion);
      if (boxed != null) {
        candidates.add(boxed);
      }
    }
    String minerva = minerva(completion);
    if (minerva != null) {
      candidates.add(normalizeFinalAnswer(minerva));
    }
    if (!strict && candidates.isEmpty()) {
      int last = completion.lastIndexOf('$');
      int before = last > 0 ? completion.lastIndexOf('$', last - 1) : -1;
      if (before >= 0) {
        candidates.add(normalizeFinalAnswer(completion.substring(before + 1, last)));
      }
    }
    if (candidates.isEmpty()) {
      candidates.add(normalizeFinalAnswer(completion));
      if (!strict) {
        candidates.add(completion);
      }
    }
    for (String c : candidates) {
      if (equivalent(c, label)) {
        return Verification.of(name, true, c);
      }
    }
    return Verification.of(name, false, candidates.get(0));
  }

  /** The content of the last {@code \boxed{...}} / {@code \fbox{...}} / {@code \boxed x}. */
  static String lastBoxed(String s) {
    int at = s.lastIndexOf("\\boxed");
    int skip = 6;
    if (at < 0) {
      at = s.lastIndexOf("\\fbox");
      skip = 5;
      if (at < 0) {
        return null;
      }
    }
    int i = at + skip;
    if (i < s.length() && s.charAt(i) == ' ') {
      // "\boxed 5" runs to the next '$' or the end
      String rest = s.substring(i + 1);
      int dollar = rest.indexOf('$');
      return (dollar < 0 ? rest : rest.substring(0, dollar)).strip();
    }
    if (i >= s.length() || s.charAt(i) != '{') {
      return null;
    }
    int depth = 0;
    for (int j = i; j < s.length(); j++) {
      char c = s.charAt(j);
      if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return s.substring(i + 1, j);
      }
    }
    return null;
  }

  /** Minerva's final answer, or null when the output does not give one. */
  static String minerva(String s) {
    Matcher m = MINERVA.matcher(s + "I hope it is correct.");
    return m.find() ? m.group(1).strip() : null;
  }

  /** Minerva's normalisation of a final answer. */
  static String normalizeFinalAnswer(String answer) {
    String a = answer;
    int eq = a.lastIndexOf('=');
    if (eq >= 0) {
      a = a.substring(eq + 1);
    }
    for (String[] sub : SUBSTITUTIONS) {
      a = a.replace(sub[0], sub[1]);
    }
    for (String r : REMOVED) {
      a = a.replace(r, "");
    }
    a = a.replaceAll("(?s)(.*?)(\\$)(.*?)(\\$)(.*)", "\\$$3\\$");
    a = a.replaceAll("(\\\\text\\{)(.*?)(\\})", "$2");
    a = a.replaceAll("(\\\\textbf\\{)(.*?)(\\})", "$2");
    a = a.replaceAll("(\\\\overline\\{)(.*?)(\\})", "$2");
    a = a.replaceAll("(\\\\boxed\\{)(.*)(\\})", "$2");
    a = a.replaceAll("(frac)([^{])(.)", "frac{$2}{$3}");
    a = a.replaceAll("(sqrt)([^{])", "sqrt{$2}");
    a = a.replace("$", "").strip();
    if (!a.replace(",", "").isEmpty() && a.replace(",", "").chars().allMatch(Character::isDigit)) {
      a = a.replace(",", "");
    }
    return a;
  }

  /** Hendrycks' clean-up of a LaTeX answer before string comparison (a light version). */
  static String stripString(String s) {
    String a = s.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
        .replace("tfrac", "frac").replace("dfrac", "frac")
        .replace("\\left", "").replace("\\right", "")
        .replace("^{\\circ}", "").replace("^\\circ", "")
        .replace("\\$", "").replace("\\%", "").replace("%", "");
    int units = a.indexOf("\\text{ ");
    if (units > 0) {
      a = a.substring(0, units);
    }
    a = a.replace(" .", " 0.").replace("{.", "{0.");
    if (a.startsWith(".")) {
      a = "0" + a;
    }
    int eq = a.indexOf('=');
    if (eq >= 0 && eq <= 2 && a.indexOf('=', eq + 1) < 0) {
      a = a.substring(eq + 1);
    }
    a = a.replaceAll("\\\\sqrt(\\w)", "\\\\sqrt{$1}");
    a = a.replace(" ", "");
    a = a.replaceAll("\\\\frac(\\d)(\\d)", "\\\\frac{$1}{$2}");
    a = a.replaceAll("\\\\frac\\{([^}]*)\\}(\\d)", "\\\\frac{$1}{$2}");
    if (a.equals("0.5")) {
      a = "\\frac{1}{2}";
    }
    Matcher slash = Pattern.compile("^(-?\\d+)/(\\d+)$").matcher(a);
    if (slash.matches()) {
      a = "\\frac{" + slash.group(1) + "}{" + slash.group(2) + "}";
    }
    return a;
  }

  static boolean equivalent(String answer, String label) {
    if (answer == null) {
      return false;
    }
    String a = answer.strip();
    String l = label.strip();
    if (a.equals(l) || normalizeFinalAnswer(a).equals(normalizeFinalAnswer(l))
        || stripString(a).equals(stripString(l))) {
      return true;
    }
    Double x = number(stripString(a));
    Double y = number(stripString(l));
    return x != null && y != null && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
  }

  /** A plain number or a {@code \frac{a}{b}} of integers, else null. */
  private static Double number(String s) {
    String t = s.replace(",", "");
    Matcher frac = Pattern.compile("^(-?)\\\\frac\\{(-?\\d+)\\}\\{(\\d+)\\}$").matcher(t);
    try {
      if (frac.matches()) {
        double v = Double.parseDouble(frac.group(2)) / Double.parseDouble(frac.group(3));
        return frac.group(1).isEmpty() ? v : -v;
      }
      if (t.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)")) {
        return Double.parseDouble(t);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }
}
