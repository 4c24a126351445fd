package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import java.util.Locale;

/** What the examples of a dataset are; decides their canonical JSON form (see {@link Example}). */
public enum DatasetKind {
  /** Conversations for supervised finetuning, optionally with a ground truth (GSM8K). */
  MESSAGES,
  /** Preference pairs: a shared prompt and a chosen and a rejected continuation. */
  PREFERENCE,
  /** Prompts with a ground truth and the name of the verifier that checks answers. */
  RLVR,
  /** Plain text documents for pretraining. */
  TEXT;

  /** The name stored in the database and shown to users. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DatasetKind of(String id) {
    for (DatasetKind k : values()) {
      if (k.id().equalsIgnoreCase(id)) {
        return k;
      }
    }
    throw new TemperException("Unknown dataset kind '" + id + "'");
  }
}
