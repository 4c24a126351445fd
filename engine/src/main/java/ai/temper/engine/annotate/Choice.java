package ai.temper.engine.annotate;

import ai.temper.engine.TemperException;
import java.util.Locale;

/**
 * An annotator's answer on a pair, in the pair's terms: response a better, b better, a tie,
 * both bad, or skipped. What the annotator pressed (left / right) is mapped through the side
 * shown on the left, so position never leaks into the stored answer.
 */
public enum Choice {
  A, B, TIE, BOTH_BAD, SKIP;

  /** The stored name: a, b, tie, both_bad, skip. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Choice of(String id) {
    if (id != null) {
      for (Choice c : values()) {
        if (c.id().equalsIgnoreCase(id.strip())) {
          return c;
        }
      }
    }
    throw new TemperException("unknown choice '" + id + "' (a, b, tie, both_bad or skip)");
  }

  /** Whether the answer prefers one response. */
  public boolean isPreference() {
    return this == A || this == B;
  }

  /** Whether the answer counts as a label (everything but a skip). */
  public boolean isLabel() {
    return this != SKIP;
  }

  /** The same answer with the responses' names exchanged (a pair stored the other way). */
  public Choice swapped() {
    return this == A ? B : this == B ? A : this;
  }

  /** What the annotator pressed, on a screen that shows {@code leftSide} ("a"/"b") left. */
  public enum Screen {
    LEFT, RIGHT, TIE, BOTH_BAD, SKIP;

    public Choice toChoice(String leftSide) {
      boolean aLeft = "a".equals(leftSide);
      return switch (this) {
        case LEFT -> aLeft ? A : B;
        case RIGHT -> aLeft ? B : A;
        case TIE -> Choice.TIE;
        case BOTH_BAD -> Choice.BOTH_BAD;
        case SKIP -> Choice.SKIP;
      };
    }

    /** The screen side of a stored choice (LEFT/RIGHT for a preference). */
    public static Screen of(Choice c, String leftSide) {
      boolean aLeft = "a".equals(leftSide);
      return switch (c) {
        case A -> aLeft ? LEFT : RIGHT;
        case B -> aLeft ? RIGHT : LEFT;
        case TIE -> TIE;
        case BOTH_BAD -> BOTH_BAD;
        case SKIP -> SKIP;
      };
    }
  }
}
