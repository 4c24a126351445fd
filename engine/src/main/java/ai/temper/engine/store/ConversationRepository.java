package ai.temper.engine.store;

import java.time.Instant;
import java.util.List;

/** Saved chat conversations and their messages. */
public final class ConversationRepository {
  /** A conversation with its message count. */
  public record Summary(long id, String title, String modelPath, String secondModelPath,
      long messages, Instant updatedAt) {}

  private final Sql sql;

  ConversationRepository(Sql sql) {
    this.sql = sql;
  }

  public long create(String title, String modelPath, String secondModelPath, String systemPrompt,
      String settings) {
    return sql.insert("INSERT INTO conversations(title, model_path, second_model_path, "
        + "system_prompt, settings) VALUES (?, ?, ?, ?, ?)", title, modelPath, secondModelPath,
        systemPrompt, settings);
  }

  public List<Summary> list() {
    return sql.query("SELECT c.id, c.title, c.model_path, c.second_model_path, c.updated_at, "
        + "COUNT(m.id) AS messages FROM conversations c "
        + "LEFT JOIN chat_messages m ON m.conversation_id = c.id "
        + "GROUP BY c.id, c.title, c.model_path, c.second_model_path, c.updated_at "
        + "ORDER BY c.updated_at DESC",
        rs -> new Summary(rs.getLong("id"), rs.getString("title"), rs.getString("model_path"),
            rs.getString("second_model_path"), rs.getLong("messages"),
            Sql.instant(rs, "updated_at")));
  }
}
