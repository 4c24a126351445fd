package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The model library's rows: base models, checkpoints the workbench trained (with the run and
 * base they came from) and adapters with their base. {@code ai.temper.engine.models.ModelLibrary}
 * is the API above it; this class only talks SQL.
 */
public final class ModelRepository {
  /** One model's row. Nullable numbers are boxed. */
  public record ModelRow(long id, String name, ModelKind kind, String path, String format,
      String architecture, Long parameters, Long parentId, Long runId, Long step, String source,
      String config, String tokenizerPath, boolean owned, Long sizeBytes, Instant createdAt) {}

  /** What is stored for a new model (the id and time come from the database). */
  public record NewModel(String name, ModelKind kind, String path, String format,
      String architecture, Long parameters, Long parentId, Long runId, Long step, String source,
      String config, String tokenizerPath, boolean owned, Long sizeBytes) {}

  /** One evaluation result recorded for a model. */
  public record EvalRow(long id, String suite, String task, String metric, double value,
      Long instances, Instant createdAt) {}

  private static final String COLUMNS = "name, kind, path, format, architecture, parameters, "
      + "parent_id, run_id, step, source, config, tokenizer_path, owned, size_bytes";

  private final Sql sql;

  ModelRepository(Sql sql) {
    this.sql = sql;
  }

  public long insert(NewModel m) {
    return sql.insert("INSERT INTO models(" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        + "?, ?, ?, ?)", m.name(), m.kind().id(), m.path(), m.format(), m.architecture(),
        m.parameters(), m.parentId(), m.runId(), m.step(), m.source(), m.config(),
        m.tokenizerPath(), m.owned(), m.sizeBytes());
  }

  /**
   * Inserts a checkpoint's model row and ties it to the run's checkpoints row in one
   * transaction: a row the trainer already wrote for (run, path) is linked, else one is added.
   */
  public long insertCheckpoint(NewModel m) {
    return sql.inTransaction(c -> {
      long id = insert(m);
      int linked = sql.update("UPDATE checkpoints SET model_id = ? WHERE run_id = ? AND path = ? "
          + "AND model_id IS NULL", id, m.runId(), m.path());
      if (linked == 0) {
        sql.insert("INSERT INTO checkpoints(run_id, model_id, step, path) VALUES (?, ?, ?, ?)",
            m.runId(), id, m.step(), m.path());
      }
      return id;
    });
  }

  public Optional<ModelRow> find(long id) {
    return sql.queryOne("SELECT * FROM models WHERE id = ?", ModelRepository::row, id);
  }

  /** Every model of that exact name, newest first (names are kept unique by the library). */
  public List<ModelRow> findByName(String name) {
    return sql.query("SELECT * FROM models WHERE name = ? ORDER BY id DESC", ModelRepository::row,
        name);
  }

  public List<ModelRow> findBySource(String source) {
    return sql.query("SELECT * FROM models WHERE source = ? ORDER BY id DESC",
        ModelRepository::row, source);
  }

  public List<ModelRow> findByPath(String path) {
    return sql.query("SELECT * FROM models WHERE path = ? ORDER BY id DESC", ModelRepository::row,
        path);
  }

  public boolean nameTaken(String name) {
    return sql.queryLong("SELECT COUNT(*) FROM models WHERE name = ?", name) > 0;
  }

  /** All models in the order they were added. */
  public List<ModelRow> list() {
    return sql.query("SELECT * FROM models ORDER BY id", ModelRepository::row);
  }

  /** Checkpoints and adapters whose base is {@code parentId}. */
  public List<ModelRow> children(long parentId) {
    return sql.query("SELECT * FROM models WHERE parent_id = ? ORDER BY id", ModelRepository::row,
        parentId);
  }

  public void rename(long id, String name) {
    sql.update("UPDATE models SET name = ? WHERE id = ?", name, id);
  }

  /** Deletes the row; its checkpoints and adapters keep their rows, their parent set to NULL. */
  public int delete(long id) {
    return sql.update("DELETE FROM models WHERE id = ?", id);
  }

  /** Evaluation results recorded for the model by id, or by its path when no id was stored. */
  public List<EvalRow> evalResults(long modelId, String path) {
    // unseen (held-out) tasks are marked wherever results appear
    return sql.query("SELECT id, suite, CASE WHEN unseen THEN task || ' [unseen]' ELSE task "
        + "END AS task, metric, \"VALUE\", instances, created_at "
        + "FROM eval_results WHERE model_id = ? OR (model_id IS NULL AND model_path = ?) "
        + "ORDER BY created_at, id", rs -> {
          long n = rs.getLong("instances");
          Long instances = rs.wasNull() ? null : n;
          return new EvalRow(rs.getLong("id"), rs.getString("suite"), rs.getString("task"),
              rs.getString("metric"), rs.getDouble("VALUE"), instances,
              Sql.instant(rs, "created_at"));
        }, modelId, path);
  }

  private static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  private static ModelRow row(ResultSet rs) throws SQLException {
    return new ModelRow(rs.getLong("id"), rs.getString("name"), ModelKind.of(rs.getString("kind")),
        rs.getString("path"), rs.getString("format"), rs.getString("architecture"),
        nullableLong(rs, "parameters"), nullableLong(rs, "parent_id"),
        nullableLong(rs, "run_id"), nullableLong(rs, "step"), rs.getString("source"),
        rs.getString("config"), rs.getString("tokenizer_path"), rs.getBoolean("owned"),
        nullableLong(rs, "size_bytes"), Sql.instant(rs, "created_at"));
  }
}
