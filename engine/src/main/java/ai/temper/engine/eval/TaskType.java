package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import java.util.Arrays;
import java.util.Locale;

/** How a task turns instances into a score. */
public enum TaskType {
  /** Greedy generation from a (few-shot) prompt, scored by an answer scorer. */
  GENERATE("generate", true),
  /** Perplexity and bits per byte of held-out text (no generation). */
  PERPLEXITY("perplexity", false),
  /** The evaluated model is a reward model: how often it ranks chosen above rejected. */
  RM_ACCURACY("rm_accuracy", false),
  /** Generated answers against reference answers, judged by a reward model. */
  WIN_RATE("win_rate", true);

  private final String id;
  private final boolean generates;

  TaskType(String id, boolean generates) {
    this.id = id;
    this.generates = generates;
  }

  public String id() {
    return id;
  }

  public boolean generates() {
    return generates;
  }

  public static TaskType of(String id) {
    for (TaskType t : values()) {
      if (t.id.equals(id.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new TemperException("unknown task type '" + id + "' (one of "
        + Arrays.stream(values()).map(TaskType::id).toList() + ")");
  }
}
