package ai.temper.engine.verify;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The verifier library: pure functions that score a completion against an RLVR row's
 * {@code ground_truth}, chosen by the row's {@code dataset} (open-instruct's verifier names).
 *
 * <ul>
 *   <li>{@code gsm8k}: the last number of the completion (thousands separators dropped)
 *       equals the label;</li>
 *   <li>{@code math}: a {@code \boxed{}} answer, Minerva's "The final answer is ...", or the
 *       last {@code $...$}, equal to the label after light normalisation; {@code strict_math}
 *       takes the Minerva form only;</li>
 *   <li>{@code string_matcher} (the text inside {@code <answer>} tags), {@code flan} (the text
 *       after "The answer is: ") and {@code string_f1} (token F1): SQuAD-normalised strings;</li>
 *   <li>{@code ifeval} / {@code ifeval_old}: instruction-following constraints, in either of
 *       open-instruct's layouts, told apart by shape: a {@code func_name} object with the
 *       function's arguments (Tulu 3), or Google IFEval's {@code instruction_id} + {@code kwargs}
 *       lists; a JSON list of {@code func_name} objects combines constraints. The score is the
 *       fraction held; the completion passes when all hold.</li>
 * </ul>
 *
 * <p>{@link #verify} scores, {@link #validate} checks a row at import. Both are thread-safe.
 */
public final class Verifiers {
  interface Verifier {
    Verification verify(String completion, String groundTruth);

    void validate(String groundTruth);
  }

  private static final Map<String, Verifier> VERIFIERS = Map.of(
      "gsm8k", new Verifier() {
        @Override
        public Verification verify(String completion, String groundTruth) {
          return Gsm8kVerifier.verify(completion, groundTruth);
        }

        @Override
        public void validate(String groundTruth) {
          Gsm8kVerifier.validate(groundTruth);
        }
      },
      "math", simple((c, g) -> MathVerifier.verify(c, g, false)),
      "strict_math", simple((c, g) -> MathVerifier.verify(c, g, true)),
      "string_matcher", simple(StringVerifiers::stringMatcher),
      "flan", simple(StringVerifiers::flan),
      "string_f1", simple(StringVerifiers::f1),
      "ifeval", new IfEvalVerifier("ifeval"),
      "ifeval_old", new IfEvalVerifier("ifeval_old"));

  private Verifiers() {}

  /** The verifier names, sorted. */
  public static List<String> names() {
    return VERIFIERS.keySet().stream().sorted().toList();
  }

  /** Whether {@code dataset} names a verifier (case-insensitive, as open-instruct lowercases). */
  public static boolean isKnown(String dataset) {
    return dataset != null && VERIFIERS.containsKey(key(dataset));
  }

  /**
   * Scores {@code completion} (the generated text only, not the prompt) against the row's
   * ground truth with the verifier its {@code dataset} names.
   *
   * @throws InvalidGroundTruthException for an unknown verifier or an unusable ground truth
   */
  public static Verification verify(String dataset, String groundTruth, String completion) {
    return verifier(dataset).verify(completion == null ? "" : completion,
        groundTruth == null ? "" : groundTruth);
  }

  /**
   * Checks that {@code dataset} names a verifier and that {@code groundTruth} suits it (a
   * number for gsm8k, known constraint functions with well-typed arguments for ifeval, ...).
   *
   * @throws InvalidGroundTruthException naming what is wrong
   */
  public static void validate(String dataset, String groundTruth) {
    Verifier v = verifier(dataset);
    if (groundTruth == null || groundTruth.isBlank()) {
      throw new InvalidGroundTruthException("'ground_truth' is empty");
    }
    v.validate(groundTruth);
  }

  private static Verifier verifier(String dataset) {
    Verifier v = dataset == null ? null : VERIFIERS.get(key(dataset));
    if (v == null) {
      throw new InvalidGroundTruthException("unknown verifier '" + dataset + "' (known: "
          + String.join(", ", names()) + ")");
    }
    return v;
  }

  private static String key(String dataset) {
    return dataset.strip().toLowerCase(Locale.ROOT);
  }

  private interface Scorer {
    Verification verify(String completion, String groundTruth);
  }

  private static Verifier simple(Scorer scorer) {
    return new Verifier() {
      @Override
      public Verification verify(String completion, String groundTruth) {
        return scorer.verify(completion, groundTruth);
      }

      @Override
      public void validate(String groundTruth) {
        // any non-empty text is a label
      }
    };
  }

  /**
   * open-instruct's {@code remove_thinking_section}: drops {@code <|assistant|>}, everything up
   * to the last {@code </think>}, and {@code <answer>} tags.
   */
  static String removeThinking(String prediction) {
    String p = prediction.replace("<|assistant|>", "").strip();
    int end = p.lastIndexOf("</think>");
    if (end >= 0) {
      p = p.substring(end + "</think>".length());
    }
    return p.replace("<answer>", "").replace("</answer>", "").strip();
  }
}
