package ai.temper.engine.eval;

import ai.temper.engine.TemperException;

/** Scorers backed by the verifier library (GSM8K, MATH, IFEval). */
final class VerifierScorers {
  private VerifierScorers() {}

  static AnswerScorer of(String name) {
    throw new TemperException("scorer '" + name + "' is not available in this build");
  }
}
