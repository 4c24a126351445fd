package ai.temper.engine.data;

import ai.temper.engine.verify.InvalidGroundTruthException;
import ai.temper.engine.verify.Verifiers;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * Prompts with a verifiable answer. The prompt is {@code messages} (open-instruct) or
 * {@code prompt} (a string or a message list, TRL); the answer {@code ground_truth} (or
 * {@code solution}); the verifier {@code verifier} or open-instruct's {@code dataset}. A row
 * naming a verifier is checked against it ({@link Verifiers#validate}): an unknown verifier
 * or arguments it cannot use make the row malformed.
 */
final class RlvrNormalizer implements RowNormalizer {
  private static final Set<String> CONSUMED =
      Set.of("messages", "prompt", "ground_truth", "solution", "verifier", "dataset");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    List<Message> prompt;
    if (row.has("messages")) {
      prompt = Rows.messages(row.get("messages"), "messages", false);
    } else if (row.path("prompt").isTextual()) {
      String p = row.get("prompt").asText();
      if (p.isBlank()) {
        throw new MalformedRowException("'prompt' is empty");
      }
      prompt = List.of(Message.user(p));
    } else if (row.has("prompt")) {
      prompt = Rows.messages(row.get("prompt"), "prompt", false);
    } else {
      throw new MalformedRowException("neither 'messages' nor 'prompt' is present");
    }
    String groundTruth = groundTruth(row);
    String verifier = Rows.optionalScalar(row, "verifier");
    if (verifier == null) {
      verifier = Rows.optionalScalar(row, "dataset");
    }
    if (verifier != null) {
      try {
        Verifiers.validate(verifier, groundTruth);
      } catch (InvalidGroundTruthException e) {
        throw new MalformedRowException(e.getMessage());
      }
    }
    return Example.rlvr(prompt, groundTruth, verifier).withMeta(Rows.meta(row, CONSUMED));
  }

  private static String groundTruth(JsonNode row) throws MalformedRowException {
    for (String field : new String[] {"ground_truth", "solution"}) {
      JsonNode v = row.get(field);
      if (v != null && !v.isNull()) {
        // a list or object (several accepted answers, verifier arguments) is kept as JSON text
        return v.isValueNode() ? v.asText() : v.toString();
      }
    }
    throw new MalformedRowException("'ground_truth' is missing");
  }
}
