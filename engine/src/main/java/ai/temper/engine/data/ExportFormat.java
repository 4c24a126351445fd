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
 *   <li>{@code prompt-completion}: TRL's standard prompt/completion, {@code {"prompt": "...",
 *       "completion": "..."}} when the prompt is one plain user message and the completion
 *       one plain assistant message, else as message lists; unpaired preference (KTO) rows
 *       get their {@code label} back from meta.
 *   <li>{@code prompt-completion-chat}: TRL's conversational prompt/completion, always
 *       message lists.
 *   <li>{@code text}: {@code {"text": "..."}}.
 *   <li>{@code gsm8k}, {@code hh}: the source layouts, to give a file back as it came.
 *   <li>{@code canonical}: the stored form ({@link Example}), meta included.
 * </ul>
 * Every layout but canonical writes the example's meta fields back at the top level.
 * Messages keep every field they came with ({@code tool_calls}, {@code reasoning_content},
 * list-of-parts content, ...). A file name ending in {@code .parquet} gets a Parquet file
 * (the same rows, typed by DuckDB as Hugging Face datasets would type them), else JSON Lines
 * (gzip for {@code .gz}).
 */
public enum ExportFormat {
  MESSAGES, PREFERENCE, PREFERENCE_FULL, RLVR, TEXT, GSM8K, HH, CANONICAL, PROMPT_COMPLETION,
  PROMPT_COMPLETION_CHAT;

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static ExportFormat of(String id) {
    for (ExportFormat f : values()) {
      if (f.id().equalsIgnoreCase(id.replace('_', '-'))) {
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
