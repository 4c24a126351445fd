package ai.temper.engine.generate;

/**
 * The result for one prompt.
 *
 * @param promptIds     the prompt's tokens (BOS included)
 * @param completionIds generated tokens (a final stop token included)
 * @param text          the whole decoded sequence, prompt and completion (BOS not shown),
 *                      cut before a stop string; null without a tokenizer
 * @param completion    the generated text alone, cut before a stop string
 * @param finishReason  why it ended
 */
public record Generation(int[] promptIds, int[] completionIds, String text, String completion,
    FinishReason finishReason) {}
