package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * GSM8K rows {@code {"question", "answer"}} where the answer ends with {@code #### n}: a
 * user/assistant conversation with the verbatim answer, and the ground truth n (thousands
 * separators dropped, as the GSM8K verifier compares) for the {@code gsm8k} verifier.
 */
final class Gsm8kNormalizer implements RowNormalizer {
  private static final Set<String> CONSUMED = Set.of("question", "answer");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    String question = Rows.requireText(row, "question");
    String answer = Rows.requireText(row, "answer");
    if (question.isBlank()) {
      throw new MalformedRowException("'question' is empty");
    }
    return Example.conversation(List.of(Message.user(question), Message.assistant(answer)),
        groundTruth(answer), "gsm8k").withMeta(Rows.meta(row, CONSUMED));
  }

  /** The label after the last {@code ####}, without thousands separators. */
  static String groundTruth(String answer) throws MalformedRowException {
    int at = answer.lastIndexOf("####");
    if (at < 0) {
      throw new MalformedRowException("'answer' has no '#### <number>' final line");
    }
    String label = answer.substring(at + 4).strip().replace(",", "");
    if (label.isEmpty()) {
      throw new MalformedRowException("'answer' has nothing after '####'");
    }
    return label;
  }
}
