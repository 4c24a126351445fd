package ai.temper.views.datasets;

import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import java.util.List;

/** One row of the examples table: position, source line, a one-line preview, the example. */
public record ExampleRow(long idx, Long sourceLine, String preview, Example example) {
  static final int PREVIEW_CHARS = 160;

  static ExampleRow of(long idx, Long sourceLine, Example e) {
    return new ExampleRow(idx, sourceLine, preview(e), e);
  }

  /** The first user turn (or the text), on one line. */
  static String preview(Example e) {
    String s = switch (e.kind()) {
      case TEXT -> e.text();
      case PREFERENCE -> firstUser(e.prompt(), e.chosen());
      default -> firstUser(e.messages(), List.of());
    };
    s = s.replaceAll("\\s+", " ").strip();
    return s.length() > PREVIEW_CHARS ? s.substring(0, PREVIEW_CHARS - 1) + "…" : s;
  }

  private static String firstUser(List<Message> messages, List<Message> fallback) {
    for (Message m : messages) {
      if (m.role().equals("user")) {
        return m.content();
      }
    }
    return messages.isEmpty() ? fallback.isEmpty() ? "" : fallback.get(0).content()
        : messages.get(0).content();
  }
}
