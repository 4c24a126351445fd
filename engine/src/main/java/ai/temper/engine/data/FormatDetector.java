package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Guesses a row format from the keys of a record (used when the format is {@code auto}). */
public final class FormatDetector {
  private FormatDetector() {}

  /** The row format of {@code row}, or null when its keys fit none. */
  public static DataFormat detect(JsonNode row) {
    if (row == null || !row.isObject()) {
      return null;
    }
    if (row.has("messages") || row.has("conversations")) {
      // a prompt with a verifiable answer (open-instruct RLVR) ends on a user turn; a GSM8K
      // conversation exported with its ground truth ends on the assistant's answer
      if (row.has("ground_truth")) {
        JsonNode m = row.has("messages") ? row.get("messages") : row.get("conversations");
        JsonNode last = m.isArray() && !m.isEmpty() ? m.get(m.size() - 1) : null;
        boolean endsWithAnswer = last != null
            && "assistant".equals(last.path("role").asText(last.path("from").asText()));
        return endsWithAnswer ? DataFormat.MESSAGES : DataFormat.RLVR;
      }
      return DataFormat.MESSAGES;
    }
    if (row.has("chosen") && row.has("rejected")) {
      JsonNode c = row.get("chosen");
      boolean transcript = c.isTextual() && !row.has("prompt")
          && HhNormalizer.looksLikeTranscript(c.asText());
      return transcript ? DataFormat.HH : DataFormat.PREFERENCE;
    }
    if (row.has("prompt") && row.has("completion")) {
      return row.has("label") ? DataFormat.KTO : DataFormat.PROMPT_COMPLETION;
    }
    if (row.has("question") && row.has("answer")) {
      return DataFormat.GSM8K;
    }
    if (row.has("prompt") && (row.has("ground_truth") || row.has("solution"))) {
      return DataFormat.RLVR;
    }
    if (row.has("text")) {
      return DataFormat.TEXT;
    }
    return null;
  }

  /** The keys of a record, for the message that says detection failed. */
  static List<String> keys(JsonNode row) {
    List<String> keys = new ArrayList<>();
    if (row != null) {
      for (Iterator<String> it = row.fieldNames(); it.hasNext(); ) {
        keys.add(it.next());
      }
    }
    return keys;
  }
}
