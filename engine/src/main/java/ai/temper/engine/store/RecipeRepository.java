package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Recipes and their stages (tables recipes, recipe_stages). */
public final class RecipeRepository {
  public record RecipeRow(long id, String name, String path, String contentSha256,
      String status, String results) {}

  public record StageRow(long id, long recipeId, int idx, String name, String algorithm,
      String status, Long runId, String checkpoint, String evalResultIds, String error) {}

  private final Sql sql;

  public RecipeRepository(Sql sql) {
    this.sql = sql;
  }

  /** The newest recipe with this text that has not finished, if any. */
  public Optional<RecipeRow> unfinished(String contentSha256) {
    return sql.queryOne("SELECT * FROM recipes WHERE content_sha256 = ? AND status <> 'DONE' "
        + "ORDER BY id DESC LIMIT 1", RecipeRepository::recipe, contentSha256);
  }

  /** The newest recipe with this text, finished or not. */
  public Optional<RecipeRow> latest(String contentSha256) {
    return sql.queryOne("SELECT * FROM recipes WHERE content_sha256 = ? ORDER BY id DESC "
        + "LIMIT 1", RecipeRepository::recipe, contentSha256);
  }

  public Optional<RecipeRow> find(long id) {
    return sql.queryOne("SELECT * FROM recipes WHERE id = ?", RecipeRepository::recipe, id);
  }

  public List<RecipeRow> list() {
    return sql.query("SELECT * FROM recipes ORDER BY id", RecipeRepository::recipe);
  }

  /** A new recipe with its stages (name, algorithm pairs), all PENDING, in one transaction. */
  public long create(String name, String path, String sha, List<String[]> stages) {
    return sql.inTransaction(tx -> {
      long id = sql.insert("INSERT INTO recipes(name, path, content_sha256, status) "
          + "VALUES (?, ?, ?, 'RUNNING')", name, path, sha);
      for (int i = 0; i < stages.size(); i++) {
        sql.insert("INSERT INTO recipe_stages(recipe_id, idx, name, algorithm, status) "
            + "VALUES (?, ?, ?, ?, 'PENDING')", id, i, stages.get(i)[0], stages.get(i)[1]);
      }
      return id;
    });
  }

  public List<StageRow> stages(long recipeId) {
    return sql.query("SELECT * FROM recipe_stages WHERE recipe_id = ? ORDER BY idx",
        RecipeRepository::stage, recipeId);
  }

  public void setStatus(long recipeId, String status) {
    sql.update("UPDATE recipes SET status = ? WHERE id = ?", status, recipeId);
  }

  public void finish(long recipeId, String results) {
    sql.update("UPDATE recipes SET status = 'DONE', results = ?, finished_at = "
        + "CURRENT_TIMESTAMP WHERE id = ?", results, recipeId);
  }

  public void stageRunning(long stageId, Long runId) {
    sql.update("UPDATE recipe_stages SET status = 'RUNNING', run_id = ?, error = NULL "
        + "WHERE id = ?", runId, stageId);
  }

  public void stageDone(long stageId, String checkpoint, String evalResultIds) {
    sql.update("UPDATE recipe_stages SET status = 'DONE', checkpoint = ?, eval_result_ids = ? "
        + "WHERE id = ?", checkpoint, evalResultIds, stageId);
  }

  public void stageFailed(long stageId, String error) {
    sql.update("UPDATE recipe_stages SET status = 'FAILED', error = ? WHERE id = ?", error,
        stageId);
  }

  private static RecipeRow recipe(ResultSet rs) throws SQLException {
    return new RecipeRow(rs.getLong("id"), rs.getString("name"), rs.getString("path"),
        rs.getString("content_sha256"), rs.getString("status"), rs.getString("results"));
  }

  private static StageRow stage(ResultSet rs) throws SQLException {
    long run = rs.getLong("run_id");
    Long runId = rs.wasNull() ? null : run;
    return new StageRow(rs.getLong("id"), rs.getLong("recipe_id"), rs.getInt("idx"),
        rs.getString("name"), rs.getString("algorithm"), rs.getString("status"), runId,
        rs.getString("checkpoint"), rs.getString("eval_result_ids"), rs.getString("error"));
  }
}
