package ai.temper.engine.verify;

/**
 * The verdict on one completion: the verifier that judged it, its score in [0, 1] (the
 * fraction of constraints held for IFEval-style rows, else 0 or 1), whether it passed
 * (score 1), and what was compared (the extracted answer, or the constraints that failed).
 */
public record Verification(String verifier, double score, boolean passed, String detail) {
  static Verification of(String verifier, boolean passed, String detail) {
    return new Verification(verifier, passed ? 1.0 : 0.0, passed, detail);
  }

  /** "pass" or "fail", as the command line and the Rollouts view show it. */
  public String verdict() {
    return passed ? "pass" : "fail";
  }
}
