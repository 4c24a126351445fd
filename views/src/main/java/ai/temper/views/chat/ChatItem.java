package ai.temper.views.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * One bubble of a chat column: a user message, or one side's assistant reply, whose text grows
 * while it streams. Changed on the FX thread only.
 */
public final class ChatItem {
  private final int idx;
  private final int side;
  private final String role;
  private final ReadOnlyStringWrapper text = new ReadOnlyStringWrapper();
  private final ReadOnlyStringWrapper info = new ReadOnlyStringWrapper("");
  private final ReadOnlyBooleanWrapper streaming = new ReadOnlyBooleanWrapper();

  ChatItem(int idx, int side, String role, String text) {
    this.idx = idx;
    this.side = side;
    this.role = role;
    this.text.set(text);
  }

  /** The turn in the conversation. */
  public int idx() {
    return idx;
  }

  /** 0 left (or the only side), 1 right; a user message shows in both columns with side 0. */
  public int side() {
    return side;
  }

  /** "user" or "assistant". */
  public String role() {
    return role;
  }

  public boolean isUser() {
    return role.equals("user");
  }

  public String text() {
    return text.get();
  }

  public ReadOnlyStringProperty textProperty() {
    return text.getReadOnlyProperty();
  }

  /** Tokens, speed and how the reply ended ("42 tokens · 850 tok/s · EOS"). */
  public ReadOnlyStringProperty infoProperty() {
    return info.getReadOnlyProperty();
  }

  public ReadOnlyBooleanProperty streamingProperty() {
    return streaming.getReadOnlyProperty();
  }

  void append(String piece) {
    text.set(text.get() + piece);
  }

  void setText(String s) {
    text.set(s);
  }

  void setInfo(String s) {
    info.set(s);
  }

  void setStreaming(boolean on) {
    streaming.set(on);
  }

  @Override
  public String toString() {
    return role + "[" + idx + "/" + side + "]: " + text.get();
  }

  /** The line under a reply: tokens, speed and why it ended, as far as known. */
  static String info(Integer tokens, Double tokensPerSecond, String finish) {
    List<String> parts = new ArrayList<>();
    if (tokens != null) {
      parts.add(tokens + (tokens == 1 ? " token" : " tokens"));
    }
    if (tokensPerSecond != null && !tokensPerSecond.isNaN()) {
      parts.add(String.format(Locale.ROOT, "%.1f tok/s", tokensPerSecond));
    }
    if (finish != null) {
      parts.add(switch (finish) {
        case "EOS" -> "end of reply";
        case "STOP_STRING" -> "stop text";
        case "LENGTH" -> "length limit";
        case "STOPPED" -> "stopped";
        case "EDITED" -> "edited";
        default -> finish.toLowerCase(Locale.ROOT);
      });
    }
    return String.join(" · ", parts);
  }
}
