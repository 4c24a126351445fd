package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Checkpoints written by training runs: one row per saved step, newest last. */
public final class CheckpointRepository {
  /** A checkpoint's row; {@code modelId} is set once it is registered in the model library. */
  public record CheckpointRow(long id, long runId, Long modelId, long step, String path,
      Instant createdAt) {}

  private final Sql sql;

  CheckpointRepository(Sql sql) {
    this.sql = sql;
  }

  public long add(long runId, long step, String path) {
    return sql.insert("INSERT INTO checkpoints(run_id, step, path) VALUES (?, ?, ?)", runId, step,
        path);
  }

  public void setModel(long checkpointId, long modelId) {
    sql.update("UPDATE checkpoints SET model_id = ? WHERE id = ?", modelId, checkpointId);
  }

  public List<CheckpointRow> forRun(long runId) {
    return sql.query("SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step, id",
        CheckpointRepository::row, runId);
  }

  /** The checkpoint with the highest step of a run. */
  public Optional<CheckpointRow> latest(long runId) {
    return sql.queryOne("SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC, id DESC "
        + "LIMIT 1", CheckpointRepository::row, runId);
  }

  /** Forgets checkpoints after {@code step} (a resumed run writes them again). */
  public int deleteAfter(long runId, long step) {
    return sql.update("DELETE FROM checkpoints WHERE run_id = ? AND step > ?", runId, step);
  }

  private static CheckpointRow row(ResultSet rs) throws SQLException {
    long model = rs.getLong("model_id");
    return new CheckpointRow(rs.getLong("id"), rs.getLong("run_id"),
        rs.wasNull() ? null : model, rs.getLong("step"), rs.getString("path"),
        Sql.instant(rs, "created_at"));
  }
}
