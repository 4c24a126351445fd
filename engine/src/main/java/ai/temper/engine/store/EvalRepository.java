package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Evaluation results per model, task and metric, and the instances behind them. A task result
 * is one primary metric row, its other metrics pointing at it ({@code primary_id}) and its
 * instances; {@link #storeTask} writes all of that in one transaction, so a killed evaluation
 * leaves either a whole task result or none.
 */
public final class EvalRepository {
  /**
   * One metric of one task result. {@code primaryId} is null for the task's primary metric
   * (whose id the instances and the other metrics point at).
   */
  public record Result(long id, Long modelId, String modelPath, String suite, String task,
      String metric, double value, Long instances, Instant createdAt, String cacheKey,
      String modelHash, String modelName, boolean unseen, Long primaryId, Double ciLow,
      Double ciHigh, Long runId, Long step, Double seconds, String settings) {

    /** The id of the task result this metric belongs to (its primary row). */
    public long taskResultId() {
      return primaryId == null ? id : primaryId;
    }

    public boolean isPrimary() {
      return primaryId == null;
    }
  }

  /** One metric to store, with its bootstrap interval (nullable). */
  public record NewMetric(String name, double value, Double ciLow, Double ciHigh) {}

  /** One instance: prompt, output, reference, what the scorer extracted, its score. */
  public record Instance(long idx, String input, String output, String target, String extracted,
      Double score, String meta) {}

  /** What one evaluated task stores; the first metric is the primary one. */
  public record NewTaskResult(Long modelId, String modelPath, String modelName, String modelHash,
      String suite, String task, boolean unseen, String cacheKey, String settings, Long runId,
      Long step, double seconds, List<NewMetric> metrics, List<Instance> instances) {}

  private final Sql sql;

  EvalRepository(Sql sql) {
    this.sql = sql;
  }

  /** A single metric row with no instances (older callers, imports of outside results). */
  public long add(Long modelId, String modelPath, String suite, String task, String metric,
      double value, Long instances, String settings) {
    return sql.insert("INSERT INTO eval_results(model_id, model_path, suite, task, metric, "
        + "\"VALUE\", instances, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", modelId, modelPath,
        suite, task, metric, value, instances, settings);
  }

  /**
   * Stores a task result in one transaction: earlier results with the same cache key go
   * (a forced re-run replaces them), then the metrics and every instance. Returns the primary
   * row's id.
   */
  public long storeTask(NewTaskResult r) {
    if (r.metrics().isEmpty()) {
      throw new IllegalArgumentException("a task result needs at least one metric");
    }
    return sql.inTransaction(c -> {
      sql.update("DELETE FROM eval_results WHERE cache_key = ? AND primary_id IS NULL",
          r.cacheKey());
      long primary = 0;
      for (NewMetric m : r.metrics()) {
        long id = sql.insert("INSERT INTO eval_results(model_id, model_path, model_name, "
            + "model_hash, suite, task, metric, \"VALUE\", instances, settings, cache_key, "
            + "unseen, primary_id, ci_low, ci_high, run_id, step, seconds) VALUES (?, ?, ?, ?, "
            + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r.modelId(), r.modelPath(),
            r.modelName(), r.modelHash(), r.suite(), r.task(), m.name(), m.value(),
            (long) r.instances().size(), r.settings(), r.cacheKey(), r.unseen(),
            primary == 0 ? null : primary, m.ciLow(), m.ciHigh(), r.runId(), r.step(),
            r.seconds());
        if (primary == 0) {
          primary = id;
        }
      }
      List<Object[]> rows = new ArrayList<>();
      for (Instance i : r.instances()) {
        rows.add(new Object[] {primary, i.idx(), i.input(), i.output(), i.target(),
            i.extracted(), i.score(), i.meta()});
        if (rows.size() == 500) {
          insertInstances(rows);
          rows.clear();
        }
      }
      insertInstances(rows);
      return primary;
    });
  }

  private void insertInstances(List<Object[]> rows) {
    sql.batch("INSERT INTO eval_instances(result_id, idx, input, output, target, extracted, "
        + "score, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows);
  }

  /** The stored task result with this cache key: its metrics, primary first; empty if none. */
  public List<Result> findByKey(String cacheKey) {
    Optional<Result> primary = sql.queryOne("SELECT * FROM eval_results WHERE cache_key = ? "
        + "AND primary_id IS NULL ORDER BY id DESC", EvalRepository::row, cacheKey);
    return primary.map(p -> metrics(p.id())).orElse(List.of());
  }

  /** The metrics of one task result, primary first. */
  public List<Result> metrics(long taskResultId) {
    return sql.query("SELECT * FROM eval_results WHERE id = ? OR primary_id = ? ORDER BY "
        + "CASE WHEN primary_id IS NULL THEN 0 ELSE 1 END, id", EvalRepository::row,
        taskResultId, taskResultId);
  }

  /** Every metric row, newest first. */
  public List<Result> list() {
    return sql.query("SELECT * FROM eval_results ORDER BY id DESC", EvalRepository::row);
  }

  /** The instances of a task result, in instance order. */
  public List<Instance> instances(long taskResultId) {
    return sql.query("SELECT idx, input, output, target, extracted, score, meta FROM "
        + "eval_instances WHERE result_id = ? ORDER BY idx", rs -> {
          double s = rs.getDouble("score");
          Double score = rs.wasNull() ? null : s;
          return new Instance(rs.getLong("idx"), rs.getString("input"), rs.getString("output"),
              rs.getString("target"), rs.getString("extracted"), score, rs.getString("meta"));
        }, taskResultId);
  }

  public long instanceCount(long taskResultId) {
    return sql.queryLong("SELECT COUNT(*) FROM eval_instances WHERE result_id = ?",
        taskResultId);
  }

  /** Deletes a task result with its metrics and instances. */
  public int deleteTask(long taskResultId) {
    return sql.update("DELETE FROM eval_results WHERE id = ?", taskResultId);
  }

  private static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }

  private static Result row(ResultSet rs) throws SQLException {
    return new Result(rs.getLong("id"), nullableLong(rs, "model_id"), rs.getString("model_path"),
        rs.getString("suite"), rs.getString("task"), rs.getString("metric"),
        rs.getDouble("VALUE"), nullableLong(rs, "instances"), Sql.instant(rs, "created_at"),
        rs.getString("cache_key"), rs.getString("model_hash"), rs.getString("model_name"),
        rs.getBoolean("unseen"), nullableLong(rs, "primary_id"), nullableDouble(rs, "ci_low"),
        nullableDouble(rs, "ci_high"), nullableLong(rs, "run_id"), nullableLong(rs, "step"),
        nullableDouble(rs, "seconds"), rs.getString("settings"));
  }
}
