package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/** Pretraining text: {@code {"text": "..."}} (plain-text files arrive here as such rows). */
final class TextNormalizer implements RowNormalizer {
  private static final Set<String> CONSUMED = Set.of("text");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    String text = Rows.requireText(row, "text");
    if (text.isBlank()) {
      throw new MalformedRowException("'text' is empty");
    }
    return Example.text(text).withMeta(Rows.meta(row, CONSUMED));
  }
}
