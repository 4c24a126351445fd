package ai.temper.engine.store;

import java.time.Instant;
import java.util.List;

/** Preference-labelling sessions, their annotators and labels. */
public final class AnnotationRepository {
  /** A session with how many labels it holds and from how many annotators. */
  public record SessionSummary(long id, String name, String dataset, String status, long labels,
      long annotators, Instant createdAt) {}

  private final Sql sql;

  AnnotationRepository(Sql sql) {
    this.sql = sql;
  }

  public long createSession(String name, Long datasetId) {
    return sql.insert("INSERT INTO annotation_sessions(name, dataset_id) VALUES (?, ?)", name,
        datasetId);
  }

  public List<SessionSummary> sessions() {
    return sql.query("SELECT s.id, s.name, d.name AS dataset, s.status, s.created_at, "
        + "COUNT(l.id) AS labels, COUNT(DISTINCT l.annotator_id) AS annotators "
        + "FROM annotation_sessions s LEFT JOIN datasets d ON d.id = s.dataset_id "
        + "LEFT JOIN preference_labels l ON l.session_id = s.id "
        + "GROUP BY s.id, s.name, d.name, s.status, s.created_at ORDER BY s.id DESC",
        rs -> new SessionSummary(rs.getLong("id"), rs.getString("name"), rs.getString("dataset"),
            rs.getString("status"), rs.getLong("labels"), rs.getLong("annotators"),
            Sql.instant(rs, "created_at")));
  }
}
