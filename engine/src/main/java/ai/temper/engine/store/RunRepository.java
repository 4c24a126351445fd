package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Optional;

/** Training runs: one row each, with the config they were started with. */
public final class RunRepository {
  /** A run's row. */
  public record Run(long id, String kind, String name, RunStatus status, String config,
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
  public void finish(long id, RunStatus status, String error) {
    sql.finishOrDefer("runs", id, status.name(), error, () -> sql.update(
        "UPDATE runs SET status = ?, ended_at = CURRENT_TIMESTAMP, error = ? WHERE id = ?",
        status.name(), error, id));
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

  /** Renames a run (a blank name is refused by the caller). */
  public void rename(long id, String name) {
    sql.update("UPDATE runs SET name = ? WHERE id = ?", name, id);
  }

  /** A run's tags, sorted. */
  public List<String> tags(long id) {
    return sql.query("SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag",
        rs -> rs.getString(1), id);
  }

  /** The tags of every run that has any, by run id. */
  public Map<Long, List<String>> allTags() {
    Map<Long, List<String>> out = new LinkedHashMap<>();
    sql.query("SELECT run_id, tag FROM run_tags ORDER BY run_id, tag", rs -> {
      out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2));
      return null;
    });
    return out;
  }

  /** Replaces a run's tags (trimmed, blank ones dropped, duplicates once). */
  public void setTags(long id, Collection<String> tags) {
    Set<String> clean = new TreeSet<>();
    for (String t : tags) {
      if (t != null && !t.isBlank()) {
        clean.add(t.strip());
      }
    }
    sql.inTransaction(c -> {
      sql.update("DELETE FROM run_tags WHERE run_id = ?", id);
      for (String t : clean) {
        sql.update("INSERT INTO run_tags(run_id, tag) VALUES (?, ?)", id, t);
      }
      return null;
    });
  }

  /** Runs left RUNNING by a process that died. */
  public int markInterrupted() {
    return sql.update("UPDATE runs SET status = 'INTERRUPTED', ended_at = CURRENT_TIMESTAMP "
        + "WHERE status = 'RUNNING'");
  }

  private static Run row(ResultSet rs) throws SQLException {
    return new Run(rs.getLong("id"), rs.getString("kind"), rs.getString("name"),
        RunStatus.valueOf(rs.getString("status")), rs.getString("config"), rs.getString("base_model"),
        rs.getString("datasets"), rs.getString("output_dir"), Sql.instant(rs, "created_at"),
        Sql.instant(rs, "started_at"), Sql.instant(rs, "ended_at"), rs.getString("error"));
  }
}
