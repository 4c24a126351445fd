package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Field readers shared by the normalisers; each failure names the field and the problem. */
final class Rows {
  private Rows() {}

  static String requireText(JsonNode row, String field) throws MalformedRowException {
    JsonNode v = row.get(field);
    if (v == null || v.isNull()) {
      throw new MalformedRowException("'" + field + "' is missing");
    }
    if (!v.isTextual()) {
      throw new MalformedRowException("'" + field + "' is not a string (found "
          + typeName(v) + ")");
    }
    return v.asText();
  }

  /** A scalar field as text (numbers and booleans too); null when absent. */
  static String optionalScalar(JsonNode row, String field) throws MalformedRowException {
    JsonNode v = row.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isValueNode()) {
      return v.asText();
    }
    throw new MalformedRowException("'" + field + "' is not a string (found " + typeName(v) + ")");
  }

  /**
   * A list of messages: OpenAI/Tulu {@code {"role", "content"}} or ShareGPT
   * {@code {"from", "value"}}; content may be a string or a list of text parts.
   */
  static List<Message> messages(JsonNode node, String field, boolean allowEmpty)
      throws MalformedRowException {
    if (node == null || node.isNull()) {
      throw new MalformedRowException("'" + field + "' is missing");
    }
    if (!node.isArray()) {
      throw new MalformedRowException("'" + field + "' is not a list of messages (found "
          + typeName(node) + ")");
    }
    if (node.isEmpty() && !allowEmpty) {
      throw new MalformedRowException("'" + field + "' is empty");
    }
    List<Message> out = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String where = field + "[" + i + "]";
      if (!m.isObject()) {
        throw new MalformedRowException(where + " is not a message object");
      }
      boolean shareGpt = !m.has("role") && m.has("from");
      JsonNode role = m.get(shareGpt ? "from" : "role");
      if (role == null || !role.isTextual() || role.asText().isBlank()) {
        throw new MalformedRowException(where + " has no 'role'");
      }
      JsonNode content = m.get(shareGpt ? "value" : "content");
      String cfield = shareGpt ? "value" : "content";
      ObjectNode kept = null;
      for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String k = e.getKey();
        boolean consumed = shareGpt ? k.equals("from") || k.equals("value")
            : k.equals("role") || (k.equals("content") && e.getValue().isTextual());
        if (!consumed) {
          if (kept == null) {
            kept = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
          }
          kept.set(k, e.getValue());
        }
      }
      boolean toolCall = m.hasNonNull("tool_calls") || m.hasNonNull("function_call");
      String text = (content == null || content.isNull()) && toolCall && !shareGpt ? ""
          : content(content, where + "." + cfield);
      out.add(new Message(shareGpt ? shareGptRole(role.asText()) : role.asText(), text, kept));
    }
    return out;
  }

  private static String shareGptRole(String from) {
    return switch (from) {
      case "human", "user" -> "user";
      case "gpt", "assistant", "bot", "model" -> "assistant";
      default -> from;
    };
  }

  private static String content(JsonNode c, String where) throws MalformedRowException {
    if (c == null || c.isNull()) {
      throw new MalformedRowException(where + " is missing");
    }
    if (c.isTextual()) {
      return c.asText();
    }
    if (c.isArray()) {
      // list-of-parts content: the text parts joined; every part is kept verbatim in the
      // message's fields (images included), for exports and chat templates
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : c) {
        if (part.isTextual()) {
          sb.append(part.asText());
        } else if (part.isObject() && "text".equals(part.path("type").asText("text"))
            && part.path("text").isTextual()) {
          sb.append(part.get("text").asText());
        } else if (!part.isObject() || !part.has("type")) {
          throw new MalformedRowException(where + " has a part that is neither text nor a "
              + "typed object");
        }
      }
      return sb.toString();
    }
    throw new MalformedRowException(where + " is not text (found " + typeName(c) + ")");
  }

  /** The row's fields the normaliser did not consume, kept as the example's meta. */
  static ObjectNode meta(JsonNode row, Set<String> consumed) {
    ObjectNode meta = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!consumed.contains(e.getKey())) {
        if (meta == null) {
          meta = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        meta.set(e.getKey(), e.getValue());
      }
    }
    return meta;
  }

  static String typeName(JsonNode v) {
    return switch (v.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case STRING -> "a string";
      default -> v.getNodeType().toString().toLowerCase();
    };
  }
}
