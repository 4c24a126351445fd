package ai.temper.engine.store;

import java.util.ArrayList;
import java.util.List;

/** Per-step metrics of runs: (run, step, name, value, time). */
public final class MetricRepository {
  /** One logged value. */
  public record Metric(long runId, long step, String name, double value) {}

  private final Sql sql;

  MetricRepository(Sql sql) {
    this.sql = sql;
  }

  /** Logs several values of one step in one transaction. */
  public void log(List<Metric> metrics) {
    List<Object[]> rows = new ArrayList<>(metrics.size());
    for (Metric m : metrics) {
      rows.add(new Object[] {m.runId(), m.step(), m.name(), m.value()});
    }
    sql.batch("INSERT INTO metrics(run_id, step, name, \"VALUE\") VALUES (?, ?, ?, ?)", rows);
  }

  public List<Metric> forRun(long runId) {
    return sql.query("SELECT run_id, step, name, \"VALUE\" FROM metrics WHERE run_id = ? "
        + "ORDER BY step, name", rs -> new Metric(rs.getLong(1), rs.getLong(2), rs.getString(3),
            rs.getDouble(4)), runId);
  }

  public List<Metric> series(long runId, String name) {
    return sql.query("SELECT run_id, step, name, \"VALUE\" FROM metrics WHERE run_id = ? "
        + "AND name = ? ORDER BY step", rs -> new Metric(rs.getLong(1), rs.getLong(2),
            rs.getString(3), rs.getDouble(4)), runId, name);
  }

  /** Drops metrics logged after {@code step}: a resumed run logs those steps again. */
  public int deleteAfter(long runId, long step) {
    return sql.update("DELETE FROM metrics WHERE run_id = ? AND step > ?", runId, step);
  }

  public List<String> names(long runId) {
    return sql.query("SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name",
        rs -> rs.getString(1), runId);
  }
}
