package ai.temper.engine.chat;

import ai.temper.engine.TemperException;
import java.util.Locale;

/** A side-by-side judgement of one pair of replies. */
public enum Verdict {
  LEFT, RIGHT, TIE;

  /** The name stored in {@code chat_verdicts.verdict}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Verdict of(String id) {
    for (Verdict v : values()) {
      if (v.id().equalsIgnoreCase(id)) {
        return v;
      }
    }
    throw new TemperException("unknown verdict '" + id + "' (left, right or tie)");
  }

  /** The preferred side (0 left, 1 right); -1 for a tie. */
  public int chosenSide() {
    return switch (this) {
      case LEFT -> 0;
      case RIGHT -> 1;
      case TIE -> -1;
    };
  }
}
