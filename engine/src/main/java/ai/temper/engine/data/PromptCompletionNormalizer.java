package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * TRL's prompt/completion rows: {@code {"prompt": "...", "completion": "..."}} (standard) or
 * {@code {"prompt": [messages], "completion": [messages]}} (conversational); with a boolean
 * {@code label} they are TRL's unpaired preference (KTO) rows. A plain prompt becomes one user
 * message and a plain completion one assistant message; the conversation is stored as
 * {@code messages}, the label (and any other field) in meta, so the {@code prompt-completion}
 * export writes the row back.
 */
final class PromptCompletionNormalizer implements RowNormalizer {
  private static final Set<String> CONSUMED = Set.of("prompt", "completion");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    JsonNode p = row.get("prompt");
    JsonNode c = row.get("completion");
    List<Message> messages = new ArrayList<>();
    if (p == null || p.isNull()) {
      throw new MalformedRowException("'prompt' is missing");
    }
    if (p.isTextual()) {
      messages.add(Message.user(p.asText()));
    } else {
      messages.addAll(Rows.messages(p, "prompt", false));
    }
    if (c == null || c.isNull()) {
      throw new MalformedRowException("'completion' is missing");
    }
    if (c.isTextual()) {
      messages.add(Message.assistant(c.asText()));
    } else {
      messages.addAll(Rows.messages(c, "completion", false));
    }
    JsonNode label = row.get("label");
    if (label != null && !label.isBoolean()) {
      throw new MalformedRowException("'label' is not true or false (found "
          + Rows.typeName(label) + ")");
    }
    return Example.conversation(messages).withMeta(Rows.meta(row, CONSUMED));
  }
}
