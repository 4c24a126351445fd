package ai.temper.engine.data;

import java.util.Objects;

/** One turn of a conversation: a role (system, user, assistant, ...) and its text. */
public record Message(String role, String content) {
  public Message {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }

  public static Message user(String content) {
    return new Message("user", content);
  }

  public static Message assistant(String content) {
    return new Message("assistant", content);
  }
}
