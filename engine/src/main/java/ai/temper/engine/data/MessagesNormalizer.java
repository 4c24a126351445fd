package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * Chat rows: {@code {"messages": [{"role", "content"}...]}} (Tulu, OpenAI) or ShareGPT's
 * {@code {"conversations": [{"from", "value"}...]}}. An optional {@code ground_truth} with
 * {@code verifier} (or open-instruct's {@code dataset}) is kept.
 */
final class MessagesNormalizer implements RowNormalizer {
  private static final Set<String> CONSUMED =
      Set.of("messages", "conversations", "ground_truth", "verifier");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    String field = row.has("messages") || !row.has("conversations") ? "messages" : "conversations";
    List<Message> messages = Rows.messages(row.get(field), field, false);
    String groundTruth = Rows.optionalScalar(row, "ground_truth");
    String verifier = Rows.optionalScalar(row, "verifier");
    boolean datasetIsVerifier = groundTruth != null && verifier == null && row.has("dataset");
    if (datasetIsVerifier) {
      verifier = Rows.optionalScalar(row, "dataset");
    }
    Set<String> consumed = datasetIsVerifier ? union(CONSUMED, "dataset") : CONSUMED;
    return Example.conversation(messages, groundTruth, verifier)
        .withMeta(Rows.meta(row, consumed));
  }

  static Set<String> union(Set<String> a, String b) {
    java.util.HashSet<String> s = new java.util.HashSet<>(a);
    s.add(b);
    return s;
  }
}
