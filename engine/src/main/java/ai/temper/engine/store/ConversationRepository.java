package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Saved chat conversations, their messages and side-by-side verdicts (see V40__chat.sql: a
 * message is keyed by its turn {@code idx} and {@code side}).
 */
public final class ConversationRepository {
  /** A conversation with its message count. */
  public record Summary(long id, String title, String modelPath, String secondModelPath,
      long messages, Instant updatedAt) {}

  /** A conversation's own row. */
  public record ConversationRow(long id, String title, String modelPath, String tokenizerPath,
      String secondModelPath, String secondTokenizerPath, String systemPrompt, String settings,
      Instant createdAt, Instant updatedAt) {
    public boolean sideBySide() {
      return secondModelPath != null;
    }
  }

  /** What a conversation is started or updated with. */
  public record Setup(String title, String modelPath, String tokenizerPath,
      String secondModelPath, String secondTokenizerPath, String systemPrompt,
      String settings) {}

  /**
   * One stored message.
   *
   * @param idx             the turn
   * @param side            0 left (or the only side), 1 right
   * @param tokensPerSecond generation speed of an assistant message, else null
   * @param tokens          tokens generated, else null
   * @param finishReason    why generation ended, else null
   * @param modelPath       the model that wrote an assistant message, else null
   */
  public record StoredMessage(long id, int idx, int side, String role, String content,
      Double tokensPerSecond, Integer tokens, String finishReason, String modelPath) {}

  /** A side-by-side verdict on the assistant turn {@code idx}. */
  public record VerdictRow(long id, int idx, String verdict, Long datasetId, Long exampleIdx,
      Instant createdAt) {}

  private final Sql sql;

  ConversationRepository(Sql sql) {
    this.sql = sql;
  }

  public long create(String title, String modelPath, String secondModelPath, String systemPrompt,
      String settings) {
    return create(new Setup(title, modelPath, null, secondModelPath, null, systemPrompt,
        settings));
  }

  public long create(Setup s) {
    return sql.insert("INSERT INTO conversations(title, model_path, tokenizer_path, "
        + "second_model_path, second_tokenizer_path, system_prompt, settings) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?)", s.title(), s.modelPath(), s.tokenizerPath(),
        s.secondModelPath(), s.secondTokenizerPath(), s.systemPrompt(), s.settings());
  }

  /** Replaces the conversation's setup and marks it updated. */
  public void update(long id, Setup s) {
    sql.update("UPDATE conversations SET title = ?, model_path = ?, tokenizer_path = ?, "
        + "second_model_path = ?, second_tokenizer_path = ?, system_prompt = ?, settings = ?, "
        + "updated_at = CURRENT_TIMESTAMP WHERE id = ?", s.title(), s.modelPath(),
        s.tokenizerPath(), s.secondModelPath(), s.secondTokenizerPath(), s.systemPrompt(),
        s.settings(), id);
  }

  public void rename(long id, String title) {
    sql.update("UPDATE conversations SET title = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
        title, id);
  }

  public Optional<ConversationRow> find(long id) {
    return sql.queryOne("SELECT * FROM conversations WHERE id = ?",
        ConversationRepository::row, id);
  }

  /** Deletes a conversation with its messages and verdicts; false when there was none. */
  public boolean delete(long id) {
    return sql.update("DELETE FROM conversations WHERE id = ?", id) > 0;
  }

  public List<Summary> list() {
    return sql.query("SELECT c.id, c.title, c.model_path, c.second_model_path, c.updated_at, "
        + "COUNT(m.id) AS messages FROM conversations c "
        + "LEFT JOIN chat_messages m ON m.conversation_id = c.id "
        + "GROUP BY c.id, c.title, c.model_path, c.second_model_path, c.updated_at "
        + "ORDER BY c.updated_at DESC, c.id DESC",
        rs -> new Summary(rs.getLong("id"), rs.getString("title"), rs.getString("model_path"),
            rs.getString("second_model_path"), rs.getLong("messages"),
            Sql.instant(rs, "updated_at")));
  }

  // ---------------------------------------------------------------- messages

  /** The messages in turn order, left before right within a turn. */
  public List<StoredMessage> messages(long conversationId) {
    return sql.query("SELECT * FROM chat_messages WHERE conversation_id = ? ORDER BY idx, side",
        ConversationRepository::message, conversationId);
  }

  /**
   * Stores the message of turn {@code idx} on {@code side}, replacing what was there (a
   * regenerated reply), and marks the conversation updated.
   */
  public void putMessage(long conversationId, int idx, int side, String role, String content,
      Double tokensPerSecond, Integer tokens, String finishReason, String modelPath) {
    sql.inTransaction(c -> {
      sql.update("DELETE FROM chat_messages WHERE conversation_id = ? AND idx = ? AND side = ?",
          conversationId, idx, side);
      sql.insert("INSERT INTO chat_messages(conversation_id, idx, side, role, content, "
          + "tokens_per_s, tokens, finish_reason, model_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          conversationId, idx, side, role, content, tokensPerSecond, tokens, finishReason,
          modelPath);
      touch(conversationId);
      return null;
    });
  }

  /**
   * Deletes turns {@code fromIdx} and later with their verdicts (an edit of an earlier turn
   * or a regenerated reply makes them stale). Preference examples already added to a dataset
   * stay there.
   */
  public void truncate(long conversationId, int fromIdx) {
    sql.inTransaction(c -> {
      sql.update("DELETE FROM chat_messages WHERE conversation_id = ? AND idx >= ?",
          conversationId, fromIdx);
      sql.update("DELETE FROM chat_verdicts WHERE conversation_id = ? AND idx >= ?",
          conversationId, fromIdx);
      touch(conversationId);
      return null;
    });
  }

  private void touch(long conversationId) {
    sql.update("UPDATE conversations SET updated_at = CURRENT_TIMESTAMP WHERE id = ?",
        conversationId);
  }

  // ---------------------------------------------------------------- verdicts

  public List<VerdictRow> verdicts(long conversationId) {
    return sql.query("SELECT * FROM chat_verdicts WHERE conversation_id = ? ORDER BY idx",
        rs -> {
          long ds = rs.getLong("dataset_id");
          Long datasetId = rs.wasNull() ? null : ds;
          long ex = rs.getLong("example_idx");
          Long exampleIdx = rs.wasNull() ? null : ex;
          return new VerdictRow(rs.getLong("id"), rs.getInt("idx"), rs.getString("verdict"),
              datasetId, exampleIdx, Sql.instant(rs, "created_at"));
        }, conversationId);
  }

  /** Records a verdict; a second verdict on the same turn fails (the turn is unique). */
  public long addVerdict(long conversationId, int idx, String verdict, Long datasetId,
      Long exampleIdx) {
    return sql.insert("INSERT INTO chat_verdicts(conversation_id, idx, verdict, dataset_id, "
        + "example_idx) VALUES (?, ?, ?, ?, ?)", conversationId, idx, verdict, datasetId,
        exampleIdx);
  }

  private static ConversationRow row(ResultSet rs) throws SQLException {
    return new ConversationRow(rs.getLong("id"), rs.getString("title"),
        rs.getString("model_path"), rs.getString("tokenizer_path"),
        rs.getString("second_model_path"), rs.getString("second_tokenizer_path"),
        rs.getString("system_prompt"), rs.getString("settings"), Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"));
  }

  private static StoredMessage message(ResultSet rs) throws SQLException {
    double tps = rs.getDouble("tokens_per_s");
    Double tokensPerSecond = rs.wasNull() ? null : tps;
    int n = rs.getInt("tokens");
    Integer tokens = rs.wasNull() ? null : n;
    return new StoredMessage(rs.getLong("id"), rs.getInt("idx"), rs.getInt("side"),
        rs.getString("role"), rs.getString("content"), tokensPerSecond, tokens,
        rs.getString("finish_reason"), rs.getString("model_path"));
  }
}
