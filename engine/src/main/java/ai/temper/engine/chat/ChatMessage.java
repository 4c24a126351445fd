package ai.temper.engine.chat;

/** One turn of a conversation: role ("system", "user", "assistant", "tool") and its text. */
public record ChatMessage(String role, String content) {
  public ChatMessage {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("a chat message needs a role");
    }
    content = content == null ? "" : content;
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
}
