package ai.temper.engine.verify;

import ai.temper.engine.TemperException;

/** An RLVR row names an unknown verifier or gives it a ground truth it cannot use. */
public final class InvalidGroundTruthException extends TemperException {
  public InvalidGroundTruthException(String message) {
    super(message);
  }
}
