package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;

/** Turns one source row (a JSON object) into an {@link Example} in its canonical form. */
@FunctionalInterface
public interface RowNormalizer {
  Example normalize(JsonNode row) throws MalformedRowException;

  /** The normaliser of a row format. */
  static RowNormalizer of(DataFormat format) {
    return switch (format) {
      case MESSAGES -> new MessagesNormalizer();
      case PREFERENCE -> new PreferenceNormalizer();
      case HH -> new HhNormalizer();
      case GSM8K -> new Gsm8kNormalizer();
      case RLVR -> new RlvrNormalizer();
      case TEXT -> new TextNormalizer();
      case PROMPT_COMPLETION, KTO -> new PromptCompletionNormalizer();
      default -> throw new IllegalArgumentException("not a row format: " + format);
    };
  }
}
