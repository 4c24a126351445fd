package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Preference-labelling sessions, their annotators, pairs and labels (V1 and
 * V60__annotation.sql). Labels are stored in the pair's terms (a, b, tie, both_bad, skip),
 * never in screen terms; which side was shown on the left is kept beside them.
 */
public final class AnnotationRepository {
  /** A session with how many labels it holds and from how many annotators. */
  public record SessionSummary(long id, String name, String dataset, String status, long labels,
      long annotators, Instant createdAt) {}

  /** A session's own row. */
  public record SessionRow(long id, String uid, String name, String source, int overlap,
      long seed, String status, String settings, Instant createdAt) {}

  /** One stored pair. */
  public record PairRow(long id, int idx, String prompt, String responseA, String responseB,
      String sourceA, String sourceB, long contentHash) {}

  /** A pair to store. */
  public record NewPair(int idx, String prompt, String responseA, String responseB,
      String sourceA, String sourceB, long contentHash) {}

  /**
   * One label.
   *
   * @param leftSide "a" or "b": the response shown on the left; null when unknown
   * @param rating   the optional 1-5 rating, else null
   * @param seconds  time from showing the pair to the answer, else null
   */
  public record LabelRow(long id, String uid, long pairId, int pairIdx, String annotator,
      String choice, Integer rating, String reason, String leftSide, Double seconds,
      Instant createdAt, Instant updatedAt) {}

  private final Sql sql;

  AnnotationRepository(Sql sql) {
    this.sql = sql;
  }

  public long createSession(String name, Long datasetId) {
    return sql.insert("INSERT INTO annotation_sessions(name, dataset_id) VALUES (?, ?)", name,
        datasetId);
  }

  public long createSession(String uid, String name, String source, int overlap, long seed,
      Long datasetId, String settings) {
    return sql.insert("INSERT INTO annotation_sessions(uid, name, source, overlap, seed, "
        + "dataset_id, settings) VALUES (?, ?, ?, ?, ?, ?, ?)", uid, name, source, overlap, seed,
        datasetId, settings);
  }

  public List<SessionSummary> sessions() {
    return sql.query("SELECT s.id, s.name, d.name AS dataset, s.status, s.created_at, "
        + "COUNT(l.id) AS labels, COUNT(DISTINCT l.annotator_id) AS annotators "
        + "FROM annotation_sessions s LEFT JOIN datasets d ON d.id = s.dataset_id "
        + "LEFT JOIN preference_labels l ON l.session_id = s.id AND l.choice <> 'skip' "
        + "GROUP BY s.id, s.name, d.name, s.status, s.created_at ORDER BY s.id DESC",
        rs -> new SessionSummary(rs.getLong("id"), rs.getString("name"), rs.getString("dataset"),
            rs.getString("status"), rs.getLong("labels"), rs.getLong("annotators"),
            Sql.instant(rs, "created_at")));
  }

  public Optional<SessionRow> findSession(String name) {
    return sql.queryOne("SELECT * FROM annotation_sessions WHERE name = ?",
        AnnotationRepository::session, name);
  }

  public Optional<SessionRow> findSessionByUid(String uid) {
    return sql.queryOne("SELECT * FROM annotation_sessions WHERE uid = ?",
        AnnotationRepository::session, uid);
  }

  public Optional<SessionRow> findSession(long id) {
    return sql.queryOne("SELECT * FROM annotation_sessions WHERE id = ?",
        AnnotationRepository::session, id);
  }

  public boolean deleteSession(long id) {
    return sql.update("DELETE FROM annotation_sessions WHERE id = ?", id) > 0;
  }

  // ---------------------------------------------------------------- annotators

  /** The id of the annotator called {@code name}, created when new. */
  public long annotator(String name) {
    return sql.inTransaction(c -> {
      Optional<Long> id = sql.queryOne("SELECT id FROM annotators WHERE name = ?",
          rs -> rs.getLong(1), name);
      return id.isPresent() ? id.get()
          : sql.insert("INSERT INTO annotators(name) VALUES (?)", name);
    });
  }

  /** Adds {@code name} to the session's annotators (at the next position) unless there. */
  public void addSessionAnnotator(long sessionId, String name) {
    sql.inTransaction(c -> {
      long id = annotator(name);
      if (sql.queryLong("SELECT COUNT(*) FROM session_annotators WHERE session_id = ? AND "
          + "annotator_id = ?", sessionId, id) == 0) {
        long next = sql.queryLong("SELECT COALESCE(MAX(position) + 1, 0) FROM "
            + "session_annotators WHERE session_id = ?", sessionId);
        sql.update("INSERT INTO session_annotators(session_id, annotator_id, position) "
            + "VALUES (?, ?, ?)", sessionId, id, next);
      }
      return null;
    });
  }

  /** The session's annotators in position order. */
  public List<String> sessionAnnotators(long sessionId) {
    return sql.query("SELECT a.name FROM session_annotators s JOIN annotators a "
        + "ON a.id = s.annotator_id WHERE s.session_id = ? ORDER BY s.position",
        rs -> rs.getString(1), sessionId);
  }

  // ---------------------------------------------------------------- pairs

  public void addPairs(long sessionId, List<NewPair> pairs) {
    List<Object[]> rows = new ArrayList<>(pairs.size());
    for (NewPair p : pairs) {
      rows.add(new Object[] {sessionId, p.idx(), p.prompt(), p.responseA(), p.responseB(),
          p.sourceA(), p.sourceB(), p.contentHash()});
    }
    sql.batch("INSERT INTO annotation_pairs(session_id, idx, prompt, response_a, response_b, "
        + "source_a, source_b, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows);
  }

  public List<PairRow> pairs(long sessionId) {
    return sql.query("SELECT * FROM annotation_pairs WHERE session_id = ? ORDER BY idx",
        AnnotationRepository::pair, sessionId);
  }

  public Optional<PairRow> pair(long sessionId, int idx) {
    return sql.queryOne("SELECT * FROM annotation_pairs WHERE session_id = ? AND idx = ?",
        AnnotationRepository::pair, sessionId, idx);
  }

  public List<PairRow> pairsWithHash(long sessionId, long contentHash) {
    return sql.query("SELECT * FROM annotation_pairs WHERE session_id = ? AND content_hash = ? "
        + "ORDER BY idx", AnnotationRepository::pair, sessionId, contentHash);
  }

  public int pairCount(long sessionId) {
    return (int) sql.queryLong("SELECT COUNT(*) FROM annotation_pairs WHERE session_id = ?",
        sessionId);
  }

  // ---------------------------------------------------------------- labels

  private static final String LABEL_SELECT = "SELECT l.*, p.idx AS pair_idx, a.name AS "
      + "annotator FROM preference_labels l JOIN annotation_pairs p ON p.id = l.pair_id "
      + "JOIN annotators a ON a.id = l.annotator_id ";

  /** Every label of a session, by pair then annotator. */
  public List<LabelRow> labels(long sessionId) {
    return sql.query(LABEL_SELECT + "WHERE l.session_id = ? ORDER BY p.idx, a.name",
        AnnotationRepository::label, sessionId);
  }

  /** One annotator's labels, in the order they were first given. */
  public List<LabelRow> labels(long sessionId, String annotator) {
    return sql.query(LABEL_SELECT + "WHERE l.session_id = ? AND a.name = ? "
        + "ORDER BY l.created_at, l.id", AnnotationRepository::label, sessionId, annotator);
  }

  public Optional<LabelRow> label(String uid) {
    return sql.queryOne(LABEL_SELECT + "WHERE l.uid = ?", AnnotationRepository::label, uid);
  }

  /** Inserts a label (committed before this returns); its uid must be new. */
  public long insertLabel(long sessionId, String uid, long pairId, String annotator,
      String choice, Integer rating, String reason, String leftSide, Double seconds,
      Instant createdAt, Instant updatedAt) {
    return sql.inTransaction(c -> sql.insert("INSERT INTO preference_labels(session_id, "
        + "annotator_id, uid, pair_id, choice, strength, note, left_side, seconds, created_at, "
        + "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sessionId,
        annotator(annotator), uid, pairId, choice, rating, reason, leftSide, seconds, createdAt,
        updatedAt));
  }

  /** Replaces the answer of the label {@code uid}. */
  public void updateLabel(String uid, String choice, Integer rating, String reason,
      String leftSide, Double seconds, Instant updatedAt) {
    sql.update("UPDATE preference_labels SET choice = ?, strength = ?, note = ?, left_side = ?, "
        + "seconds = ?, updated_at = ? WHERE uid = ?", choice, rating, reason, leftSide, seconds,
        updatedAt, uid);
  }

  public boolean deleteLabel(String uid) {
    return sql.update("DELETE FROM preference_labels WHERE uid = ?", uid) > 0;
  }

  private static SessionRow session(ResultSet rs) throws SQLException {
    return new SessionRow(rs.getLong("id"), rs.getString("uid"), rs.getString("name"),
        rs.getString("source"), rs.getInt("overlap"), rs.getLong("seed"),
        rs.getString("status"), rs.getString("settings"), Sql.instant(rs, "created_at"));
  }

  private static PairRow pair(ResultSet rs) throws SQLException {
    return new PairRow(rs.getLong("id"), rs.getInt("idx"), rs.getString("prompt"),
        rs.getString("response_a"), rs.getString("response_b"), rs.getString("source_a"),
        rs.getString("source_b"), rs.getLong("content_hash"));
  }

  private static LabelRow label(ResultSet rs) throws SQLException {
    int r = rs.getInt("strength");
    Integer rating = rs.wasNull() ? null : r;
    double s = rs.getDouble("seconds");
    Double seconds = rs.wasNull() ? null : s;
    return new LabelRow(rs.getLong("id"), rs.getString("uid"), rs.getLong("pair_id"),
        rs.getInt("pair_idx"), rs.getString("annotator"), rs.getString("choice"), rating,
        rs.getString("note"), rs.getString("left_side"), seconds, Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"));
  }
}
