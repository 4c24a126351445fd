package ai.temper.engine.store;

import java.time.Instant;
import java.util.List;

/** Evaluation results per checkpoint, task and metric. */
public final class EvalRepository {
  /** One score. */
  public record Result(long id, Long modelId, String modelPath, String suite, String task,
      String metric, double value, Long instances, Instant createdAt) {}

  private final Sql sql;

  EvalRepository(Sql sql) {
    this.sql = sql;
  }

  public long add(Long modelId, String modelPath, String suite, String task, String metric,
      double value, Long instances, String settings) {
    return sql.insert("INSERT INTO eval_results(model_id, model_path, suite, task, metric, "
        + "\"VALUE\", instances, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", modelId, modelPath,
        suite, task, metric, value, instances, settings);
  }

  public List<Result> list() {
    return sql.query("SELECT * FROM eval_results ORDER BY id DESC", rs -> {
      long m = rs.getLong("model_id");
      Long modelId = rs.wasNull() ? null : m;
      long n = rs.getLong("instances");
      Long instances = rs.wasNull() ? null : n;
      return new Result(rs.getLong("id"), modelId, rs.getString("model_path"),
          rs.getString("suite"), rs.getString("task"), rs.getString("metric"),
          rs.getDouble("VALUE"), instances, Sql.instant(rs, "created_at"));
    });
  }
}
