package ai.temper.engine.chat;

import ai.temper.engine.Json;
import ai.temper.engine.data.Message;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One turn of a conversation: role ("system", "user", "assistant", "tool"), its text, and
 * the message's other fields as the chat template should see them ({@code tool_calls},
 * {@code reasoning_content}, {@code name}, {@code tool_call_id}; a list-of-parts
 * {@code content} replaces the text there), as plain maps, lists, strings, numbers and
 * booleans. {@code content} is always the plain text (parts joined).
 */
public record ChatMessage(String role, String content, Map<String, Object> fields) {
  public ChatMessage {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("a chat message needs a role");
    }
    content = content == null ? "" : content;
    fields = fields == null || fields.isEmpty() ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public ChatMessage(String role, String content) {
    this(role, content, null);
  }

  /** A stored dataset message for a chat template, with its kept fields. */
  @SuppressWarnings("unchecked")
  public static ChatMessage of(Message m) {
    Map<String, Object> extra = m.fields() == null ? null
        : Json.MAPPER.convertValue(m.fields(), Map.class);
    return new ChatMessage(m.role(), m.content(), extra);
  }

  public static ChatMessage system(String text) {
    return new ChatMessage("system", text);
  }

  public static ChatMessage user(String text) {
    return new ChatMessage("user", text);
  }

  public static ChatMessage assistant(String text) {
    return new ChatMessage("assistant", text);
  }

  public boolean isAssistant() {
    return role.equals("assistant");
  }

  /** The message as the template sees it: role, content, then the other fields. */
  Map<String, Object> toTemplateValue() {
    Map<String, Object> mm = new LinkedHashMap<>();
    mm.put("role", role);
    mm.put("content", content);
    fields.forEach((k, v) -> mm.put(k, ChatTemplate.plain(v, 1)));
    return mm;
  }
}
