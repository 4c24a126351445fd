package ai.temper.engine.verify;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8K: drop commas between digits, take the last number ({@code [-+]?(\d*\.\d+|\d+)}), and
 * compare it with the label as a string, ignoring case. (open-instruct's regex binds the sign
 * to decimals only; the sign here applies to integers too, so "-3" matches a label "-3".)
 */
final class Gsm8kVerifier {
  private static final Pattern THOUSANDS = Pattern.compile("(\\d),(\\d)");
  private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d*\\.\\d+|\\d+)");

  private Gsm8kVerifier() {}

  /** The last number of the text (thousands separators dropped), or null if there is none. */
  static String lastNumber(String text) {
    String s = text;
    // twice, so that "1,2,3" (overlapping matches) loses every separator
    for (int i = 0; i < 2; i++) {
      s = THOUSANDS.matcher(s).replaceAll("$1$2");
    }
    Matcher m = NUMBER.matcher(s);
    String last = null;
    while (m.find()) {
      last = m.group();
    }
    return last;
  }

  /** A gsm8k label is one number (thousands separators allowed). */
  static void validate(String label) {
    String l = label.strip().replace(",", "");
    if (!NUMBER.matcher(l).matches()) {
      throw new InvalidGroundTruthException("gsm8k: 'ground_truth' must be a number (found '"
          + (label.length() > 40 ? label.substring(0, 40) + "..." : label) + "')");
    }
  }

  static Verification verify(String completion, String label) {
    String extracted = lastNumber(completion);
    String want = label.strip().replace(",", "");
    boolean ok = extracted != null
        && extracted.toLowerCase(Locale.ROOT).equals(want.toLowerCase(Locale.ROOT));
    return Verification.of("gsm8k", ok, extracted == null ? "no number" : extracted);
  }
}
