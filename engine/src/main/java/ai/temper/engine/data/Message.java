package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation: a role (system, user, assistant, tool, ...), its text, and the
 * message's other fields kept verbatim ({@code tool_calls}, {@code reasoning_content},
 * {@code tool_call_id}, {@code name}, ...; {@code fields} is null when there are none). When
 * the source's {@code content} was not a string (a list of parts, or null beside tool calls)
 * {@code fields.content} holds it as it was and {@code content} is its text (parts joined),
 * so exports write the message back unchanged and chat templates see what transformers would.
 */
public record Message(String role, String content, ObjectNode fields) {

  public Message {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    fields = fields == null || fields.isEmpty() ? null : fields;
  }

  public Message(String role, String content) {
    this(role, content, null);
  }

  public static Message user(String content) {
    return new Message("user", content);
  }

  public static Message assistant(String content) {
    return new Message("assistant", content);
  }

  /** The message as JSON: role, content, then the kept fields (a kept content wins). */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("role", role);
    o.put("content", content);
    if (fields != null) {
      fields.fields().forEachRemaining(e -> o.set(e.getKey(), e.getValue()));
    }
    return o;
  }

  /** A stored message (the form {@link #toJson} writes). */
  public static Message fromJson(JsonNode m) {
    ObjectNode rest = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      boolean plainContent = e.getKey().equals("content") && e.getValue().isTextual();
      if (!e.getKey().equals("role") && !plainContent) {
        if (rest == null) {
          rest = JsonNodeFactory.instance.objectNode();
        }
        rest.set(e.getKey(), e.getValue());
      }
    }
    JsonNode c = m.get("content");
    String text = c == null || c.isNull() ? "" : c.isTextual() ? c.asText() : partsText(c);
    return new Message(m.path("role").asText(), text, rest);
  }

  /** The text of a list of content parts: text parts joined, others left out. */
  static String partsText(JsonNode parts) {
    StringBuilder sb = new StringBuilder();
    if (parts.isArray()) {
      for (JsonNode p : parts) {
        if (p.isTextual()) {
          sb.append(p.asText());
        } else if (p.path("text").isTextual()) {
          sb.append(p.get("text").asText());
        }
      }
    }
    return sb.toString();
  }
}
