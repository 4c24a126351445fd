package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Anthropic HH-RLHF rows: {@code chosen} and {@code rejected} are whole transcripts
 * {@code "\n\nHuman: ...\n\nAssistant: ..."}. Each is parsed into messages, and the turns both
 * share become the prompt, leaving the two final assistant replies (or, where the transcripts
 * diverge earlier, the two diverging tails). {@link #render} writes a transcript back
 * byte for byte.
 */
final class HhNormalizer implements RowNormalizer {
  static final String HUMAN = "\n\nHuman:";
  static final String ASSISTANT = "\n\nAssistant:";
  private static final Set<String> CONSUMED = Set.of("chosen", "rejected");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    List<Message> chosen = parse(Rows.requireText(row, "chosen"), "chosen");
    List<Message> rejected = parse(Rows.requireText(row, "rejected"), "rejected");
    return PreferenceNormalizer.split(List.of(), chosen, rejected)
        .withMeta(Rows.meta(row, CONSUMED));
  }

  /** Splits a transcript at its turn markers; the one space after a marker is dropped. */
  static List<Message> parse(String transcript, String field) throws MalformedRowException {
    if (!transcript.startsWith(HUMAN) && !transcript.startsWith(ASSISTANT)) {
      throw new MalformedRowException("'" + field + "' does not start with \"\\n\\nHuman:\"");
    }
    List<Message> out = new ArrayList<>();
    int at = 0;
    while (at < transcript.length()) {
      boolean human = transcript.startsWith(HUMAN, at);
      int start = at + (human ? HUMAN.length() : ASSISTANT.length());
      int next = nextMarker(transcript, start);
      String content = transcript.substring(start, next);
      if (content.startsWith(" ")) {
        content = content.substring(1);
      }
      out.add(new Message(human ? "user" : "assistant", content));
      at = next;
    }
    return out;
  }

  private static int nextMarker(String s, int from) {
    int h = s.indexOf(HUMAN, from);
    int a = s.indexOf(ASSISTANT, from);
    if (h < 0) {
      return a < 0 ? s.length() : a;
    }
    return a < 0 ? h : Math.min(h, a);
  }

  /** The transcript of a conversation, as HH-RLHF writes it. */
  static String render(List<Message> messages) {
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      sb.append(m.role().equals("assistant") ? ASSISTANT : m.role().equals("user") ? HUMAN
          : "\n\n" + capitalise(m.role()) + ":").append(' ').append(m.content());
    }
    return sb.toString();
  }

  private static String capitalise(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** True when a string looks like an HH transcript (for format detection). */
  static boolean looksLikeTranscript(String s) {
    return s.startsWith(HUMAN) && s.contains(ASSISTANT);
  }
}
