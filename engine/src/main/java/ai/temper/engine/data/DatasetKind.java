package ai.temper.engine.data;

import ai.temper.engine.LowercaseId;

/** What the examples of a dataset are; decides their canonical JSON form (see {@link Example}). */
public enum DatasetKind implements LowercaseId {
  /** Conversations for supervised finetuning, optionally with a ground truth (GSM8K). */
  MESSAGES,
  /** Preference pairs: a shared prompt and a chosen and a rejected continuation. */
  PREFERENCE,
  /** Prompts with a ground truth and the name of the verifier that checks answers. */
  RLVR,
  /** Plain text documents for pretraining. */
  TEXT;

  public static DatasetKind of(String id) {
    return LowercaseId.parse(DatasetKind.class, id, "dataset kind");
  }
}
