package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * JSONL layouts an export writes, as open-instruct and TRL read them.
 *
 * <ul>
 *   <li>{@code messages}: {@code {"messages": [...]}} (SFT; with {@code ground_truth} and
 *       {@code dataset} when the example has them). A pair exports its chosen conversation.
 *   <li>{@code preference}: {@code {"prompt": [...], "chosen": [...], "rejected": [...]}},
 *       TRL's conversational format with explicit prompt.
 *   <li>{@code preference-full}: {@code {"chosen": [...], "rejected": [...]}} with the prompt
 *       repeated on both sides (open-instruct DPO, TRL implicit prompt).
 *   <li>{@code rlvr}: {@code {"messages": [prompt], "prompt": "...", "ground_truth": "...",
 *       "dataset": "verifier"}} (open-instruct RLVR; TRL GRPO reads prompt and passes the
 *       other columns to reward functions). A conversation drops its final answer.
 *   <li>{@code text}: {@code {"text": "..."}}.
 *   <li>{@code gsm8k}, {@code hh}: the source layouts, to give a file back as it came.
 *   <li>{@code canonical}: the stored form ({@link Example}), meta included.
 * </ul>
 * Every layout but canonical writes the example's meta fields back at the top level.
 */
public enum ExportFormat {
  MESSAGES, PREFERENCE, PREFERENCE_FULL, RLVR, TEXT, GSM8K, HH, CANONICAL;

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static ExportFormat of(String id) {
    for (ExportFormat f : values()) {
      if (f.id().equalsIgnoreCase(id)) {
        return f;
      }
    }
    throw new TemperException("Unknown export format '" + id + "'; use one of "
        + Arrays.stream(values()).map(ExportFormat::id).collect(Collectors.joining(", ")));
  }

  /** What a dataset of {@code kind} exports as when no format is named. */
  public static ExportFormat defaultFor(DatasetKind kind) {
    return switch (kind) {
      case MESSAGES -> MESSAGES;
      case PREFERENCE -> PREFERENCE;
      case RLVR -> RLVR;
      case TEXT -> TEXT;
    };
  }
}
