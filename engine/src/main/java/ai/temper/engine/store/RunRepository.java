package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Training runs: one row each, with the config they were started with. */
public final class RunRepository {
  /** A run's row. */
  public record Run(long id, String kind, String name, String status, String config,
      String baseModel, String datasets, String outputDir, Instant createdAt, Instant startedAt,
      Instant endedAt, String error) {}

  private final Sql sql;

  RunRepository(Sql sql) {
    this.sql = sql;
  }

  public long create(String kind, String name, String config, String baseModel, String datasets,
      String outputDir) {
    return sql.insert("INSERT INTO runs(kind, name, status, config, base_model, datasets, output_dir)"
        + " VALUES (?, ?, 'CREATED', ?, ?, ?, ?)", kind, name, config, baseModel, datasets,
        outputDir);
  }

  public void markRunning(long id) {
    sql.update("UPDATE runs SET status = 'RUNNING', started_at = COALESCE(started_at, "
        + "CURRENT_TIMESTAMP), ended_at = NULL, error = NULL WHERE id = ?", id);
  }

  /** Records how a run ended (kept aside for the next open when the disk is full). */
  public void finish(long id, String status, String error) {
    sql.finishOrDefer("runs", id, status, error, () -> sql.update(
        "UPDATE runs SET status = ?, ended_at = CURRENT_TIMESTAMP, error = ? WHERE id = ?",
        status, error, id));
  }

  public void setOutputDir(long id, String outputDir) {
    sql.update("UPDATE runs SET output_dir = ? WHERE id = ?", outputDir, id);
  }

  public Optional<Run> find(long id) {
    return sql.queryOne("SELECT * FROM runs WHERE id = ?", RunRepository::row, id);
  }

  public List<Run> list() {
    return sql.query("SELECT * FROM runs ORDER BY id DESC", RunRepository::row);
  }

  /** Runs left RUNNING by a process that died. */
  public int markInterrupted() {
    return sql.update("UPDATE runs SET status = 'INTERRUPTED', ended_at = CURRENT_TIMESTAMP "
        + "WHERE status = 'RUNNING'");
  }

  private static Run row(ResultSet rs) throws SQLException {
    return new Run(rs.getLong("id"), rs.getString("kind"), rs.getString("name"),
        rs.getString("status"), rs.getString("config"), rs.getString("base_model"),
        rs.getString("datasets"), rs.getString("output_dir"), Sql.instant(rs, "created_at"),
        Sql.instant(rs, "started_at"), Sql.instant(rs, "ended_at"), rs.getString("error"));
  }
}
