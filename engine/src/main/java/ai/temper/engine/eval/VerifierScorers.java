package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.Example;
import ai.temper.engine.verify.Verification;
import ai.temper.engine.verify.Verifiers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scorers backed by the verifier library ({@code ai.temper.engine.verify}): GSM8K and MATH
 * exact match after answer extraction, and IFEval prompt-level accuracy, strict and loose.
 */
final class VerifierScorers {
  private VerifierScorers() {}

  static AnswerScorer of(String name) {
    return switch (name) {
      case "gsm8k", "math" -> (out, e) -> {
        Verification v = Verifiers.verify(name, label(e), out);
        return AnswerScorer.one("exact_match", v.detail(), v.passed());
      };
      case "ifeval" -> VerifierScorers::ifeval;
      default -> throw new TemperException("unknown scorer '" + name + "'");
    };
  }

  private static String label(Example e) {
    if (e.groundTruth() == null) {
      throw new TemperException("the instance has no ground truth (a GSM8K answer with "
          + "'#### N', or an RLVR row's ground_truth)");
    }
    return e.groundTruth();
  }

  /**
   * IFEval: strict checks the response as it is; loose (Google IFEval's) also accepts it with
   * its first line, its last line or both removed, and with asterisks removed, here as a whole:
   * the prompt passes loose when one variant passes every constraint. The instruction-level
   * value is the fraction of constraints held, strict.
   */
  private static AnswerScorer.Scored ifeval(String out, Example e) {
    String verifier = e.verifier() != null && e.verifier().startsWith("ifeval") ? e.verifier()
        : "ifeval";
    String truth = label(e);
    Verification strict = Verifiers.verify(verifier, truth, out);
    boolean loose = strict.passed();
    for (String variant : looseVariants(out)) {
      if (loose) {
        break;
      }
      loose = Verifiers.verify(verifier, truth, variant).passed();
    }
    Map<String, Double> v = new LinkedHashMap<>();
    v.put("prompt_level_loose_acc", loose ? 1.0 : 0.0);
    v.put("prompt_level_strict_acc", strict.passed() ? 1.0 : 0.0);
    v.put("inst_level_strict_acc", strict.score());
    return new AnswerScorer.Scored(strict.detail(), v);
  }

  static List<String> looseVariants(String r) {
    String[] lines = r.split("\n", -1);
    String noFirst = lines.length > 1 ? String.join("\n", List.of(lines).subList(1,
        lines.length)).strip() : "";
    String noLast = lines.length > 1 ? String.join("\n", List.of(lines).subList(0,
        lines.length - 1)).strip() : "";
    String noBoth = lines.length > 2 ? String.join("\n", List.of(lines).subList(1,
        lines.length - 1)).strip() : "";
    List<String> out = new ArrayList<>();
    for (String s : List.of(r, noFirst, noLast, noBoth)) {
      out.add(s);
      out.add(s.replace("*", ""));
    }
    out.removeIf(String::isBlank);
    return out;
  }
}
