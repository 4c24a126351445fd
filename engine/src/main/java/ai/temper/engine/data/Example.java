package ai.temper.engine.data;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One example in its canonical form: whatever the source format, an example of a given
 * {@link DatasetKind} is stored in {@code examples.data} as exactly one JSON shape.
 *
 * <pre>
 * messages:   {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", ...}],
 *              "ground_truth": "72", "verifier": "gsm8k",        (both optional, e.g. GSM8K)
 *              "meta": {...}}                                     (optional)
 * preference: {"prompt":   [messages shared by both sides, possibly empty],
 *              "chosen":   [the preferred continuation, usually one assistant message],
 *              "rejected": [the other continuation],
 *              "meta": {...}}
 * rlvr:       {"messages": [the prompt turns, usually one user message],
 *              "ground_truth": "...", "verifier": "gsm8k",        (verifier optional)
 *              "meta": {...}}
 * text:       {"text": "...", "meta": {...}}
 * </pre>
 *
 * A message is {@code {"role", "content"}} with string content plus the source message's
 * other fields, kept verbatim ({@code tool_calls}, {@code reasoning_content}, a list-of-parts
 * {@code content}; see {@link Message}). {@code meta} holds the source row's fields
 * that the normaliser did not consume (ids, source names, scores), so exports can write them
 * back. Content is kept verbatim: no trimming, so exports reproduce the source text.
 */
public record Example(DatasetKind kind, List<Message> messages, List<Message> prompt,
    List<Message> chosen, List<Message> rejected, String groundTruth, String verifier,
    String text, ObjectNode meta) {

  private static final ObjectMapper JSON = Json.MAPPER;

  public Example {
    messages = messages == null ? List.of() : List.copyOf(messages);
    prompt = prompt == null ? List.of() : List.copyOf(prompt);
    chosen = chosen == null ? List.of() : List.copyOf(chosen);
    rejected = rejected == null ? List.of() : List.copyOf(rejected);
    meta = meta == null || meta.isEmpty() ? null : meta;
  }

  public static Example conversation(List<Message> messages) {
    return new Example(DatasetKind.MESSAGES, messages, null, null, null, null, null, null, null);
  }

  public static Example conversation(List<Message> messages, String groundTruth,
      String verifier) {
    return new Example(DatasetKind.MESSAGES, messages, null, null, null, groundTruth, verifier,
        null, null);
  }

  public static Example preference(List<Message> prompt, List<Message> chosen,
      List<Message> rejected) {
    return new Example(DatasetKind.PREFERENCE, null, prompt, chosen, rejected, null, null, null,
        null);
  }

  public static Example rlvr(List<Message> prompt, String groundTruth, String verifier) {
    return new Example(DatasetKind.RLVR, prompt, null, null, null, groundTruth, verifier, null,
        null);
  }

  public static Example text(String text) {
    return new Example(DatasetKind.TEXT, null, null, null, null, null, null, text, null);
  }

  public Example withMeta(ObjectNode meta) {
    return new Example(kind, messages, prompt, chosen, rejected, groundTruth, verifier, text,
        meta);
  }

  /** The whole conversation: the messages, or for a pair the prompt and the chosen side. */
  public List<Message> conversation() {
    if (kind == DatasetKind.PREFERENCE) {
      List<Message> all = new ArrayList<>(prompt);
      all.addAll(chosen);
      return all;
    }
    return messages;
  }

  /** Turns in the conversation (for a pair: prompt plus chosen); a text counts as one. */
  public int turns() {
    return kind == DatasetKind.TEXT ? 1 : conversation().size();
  }

  /**
   * The prompt side as text: the non-assistant turns (user and system); for a text, the text.
   * Decontamination compares evaluation prompts; retrieval compares task inputs.
   */
  public String promptText() {
    if (kind == DatasetKind.TEXT) {
      return text;
    }
    List<Message> source = kind == DatasetKind.PREFERENCE ? prompt : messages;
    StringBuilder sb = new StringBuilder();
    for (Message m : source) {
      if (!m.role().equals("assistant")) {
        append(sb, m.content());
      }
    }
    if (sb.length() == 0 && kind == DatasetKind.PREFERENCE) {
      // a pair without an explicit prompt: its sides are the text
      for (Message m : chosen) {
        append(sb, m.content());
      }
    }
    return sb.toString();
  }

  /** Every piece of text in the example, joined by newlines: what search and overlap see. */
  public String allText() {
    if (kind == DatasetKind.TEXT) {
      return text;
    }
    StringBuilder sb = new StringBuilder();
    for (List<Message> part : List.of(messages, prompt, chosen, rejected)) {
      for (Message m : part) {
        append(sb, m.content());
      }
    }
    if (groundTruth != null) {
      append(sb, groundTruth);
    }
    return sb.toString();
  }

  private static void append(StringBuilder sb, String s) {
    if (sb.length() > 0) {
      sb.append('\n');
    }
    sb.append(s);
  }

  /** The lowercased flattened text stored in {@code examples.search_text}. */
  public String searchText() {
    return allText().toLowerCase(Locale.ROOT);
  }

  /** The canonical JSON object (see the class comment). */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    switch (kind) {
      case MESSAGES, RLVR -> {
        o.set("messages", messagesJson(messages));
        if (groundTruth != null) {
          o.put("ground_truth", groundTruth);
        }
        if (verifier != null) {
          o.put("verifier", verifier);
        }
      }
      case PREFERENCE -> {
        o.set("prompt", messagesJson(prompt));
        o.set("chosen", messagesJson(chosen));
        o.set("rejected", messagesJson(rejected));
      }
      case TEXT -> o.put("text", text);
      default -> throw new IllegalStateException(kind.toString());
    }
    if (meta != null) {
      o.set("meta", meta);
    }
    return o;
  }

  public String toJsonString() {
    try {
      return JSON.writeValueAsString(toJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A 64-bit fingerprint of the content (not the meta): equal for duplicates, so mixing can
   * deduplicate and statistics can count them in SQL.
   */
  public long contentHash() {
    ObjectNode o = toJson();
    o.remove("meta");
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest(o.toString().getBytes(StandardCharsets.UTF_8));
      long h = 0;
      for (int i = 0; i < 8; i++) {
        h = (h << 8) | (d[i] & 0xff);
      }
      return h;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static ArrayNode messagesJson(List<Message> list) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Message m : list) {
      a.add(m.toJson());
    }
    return a;
  }

  /** Reads an example stored in the canonical form of {@code kind}. */
  public static Example fromJson(DatasetKind kind, String json) {
    try {
      return fromJson(kind, JSON.readTree(json));
    } catch (JsonProcessingException e) {
      throw new TemperException("A stored example is not valid JSON: " + e.getOriginalMessage(),
          e);
    }
  }

  public static Example fromJson(DatasetKind kind, JsonNode o) {
    ObjectNode meta = o.get("meta") instanceof ObjectNode m ? m : null;
    String gt = o.hasNonNull("ground_truth") ? o.get("ground_truth").asText() : null;
    String verifier = o.hasNonNull("verifier") ? o.get("verifier").asText() : null;
    return new Example(kind, messages(o.get("messages")), messages(o.get("prompt")),
        messages(o.get("chosen")), messages(o.get("rejected")), gt, verifier,
        o.hasNonNull("text") ? o.get("text").asText() : null, meta);
  }

  private static List<Message> messages(JsonNode a) {
    if (a == null || !a.isArray()) {
      return List.of();
    }
    List<Message> out = new ArrayList<>(a.size());
    for (JsonNode m : a) {
      out.add(Message.fromJson(m));
    }
    return out;
  }
}
