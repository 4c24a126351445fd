package ai.temper.engine.store;

import java.time.Instant;
import java.util.List;

/** The record every background job leaves: status, timings, message and error. */
public final class JobRepository {
  /** One job's row. */
  public record JobRow(long id, String kind, String title, String status, String message,
      Double fraction, Instant createdAt, Instant endedAt, String error) {}

  private final Sql sql;

  JobRepository(Sql sql) {
    this.sql = sql;
  }

  public long start(String kind, String title) {
    return sql.insert("INSERT INTO jobs(kind, title, status, fraction) VALUES (?, ?, 'RUNNING', 0)",
        kind, title);
  }

  /**
   * Records how a job ended; when the database cannot be written (a full disk) the end is
   * kept aside and recorded when the home next opens.
   */
  public void finish(long id, String status, String message, Double fraction, String error) {
    sql.finishOrDefer("jobs", id, status, error, () -> sql.update(
        "UPDATE jobs SET status = ?, message = ?, fraction = ?, error = ?, "
        + "ended_at = CURRENT_TIMESTAMP WHERE id = ?", status, message, fraction, error, id));
  }

  /** Jobs left RUNNING by a process that died are marked INTERRUPTED when the home opens. */
  public int markInterrupted() {
    return sql.update("UPDATE jobs SET status = 'INTERRUPTED', ended_at = CURRENT_TIMESTAMP "
        + "WHERE status = 'RUNNING'");
  }

  public List<JobRow> recent(int limit) {
    return sql.query("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", JobRepository::row, limit);
  }

  private static JobRow row(java.sql.ResultSet rs) throws java.sql.SQLException {
    double f = rs.getDouble("fraction");
    Double fraction = rs.wasNull() ? null : f;
    return new JobRow(rs.getLong("id"), rs.getString("kind"), rs.getString("title"),
        rs.getString("status"), rs.getString("message"), fraction,
        Sql.instant(rs, "created_at"), Sql.instant(rs, "ended_at"), rs.getString("error"));
  }
}
