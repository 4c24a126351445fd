package ai.temper.engine.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The rollouts of reinforcement-learning runs (table {@code rollouts}): every sampled
 * completion with its reward, verdict, advantage and per-token detail (JSON).
 */
public final class RolloutRepository {
  /** One stored rollout. {@code id} is 0 for a row not yet stored. */
  public record Rollout(long id, long runId, long step, int promptIdx, int sampleIdx,
      String prompt, String completion, double reward, Double score, String verdict,
      String verifier, Double advantage, String finishReason, int responseTokens,
      String tokenDetail) {
    /** The completion's tokens with their advantages and policy-vs-reference log-ratios. */
    public TokenDetail tokens() {
      return TokenDetail.parse(tokenDetail);
    }
  }

  /** Per-token detail of a rollout: decoded pieces, advantages, log pi - log ref. */
  public record TokenDetail(List<String> pieces, double[] advantages, double[] logRatios) {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    /** Parses the stored JSON; an empty detail for null or unreadable text. */
    public static TokenDetail parse(String json) {
      if (json == null || json.isBlank()) {
        return new TokenDetail(List.of(), new double[0], new double[0]);
      }
      try {
        var n = JSON.readTree(json);
        List<String> pieces = new ArrayList<>();
        n.path("tokens").forEach(t -> pieces.add(t.asText()));
        double[] adv = new double[pieces.size()];
        double[] ratio = new double[pieces.size()];
        for (int i = 0; i < pieces.size(); i++) {
          adv[i] = n.path("advantages").path(i).asDouble();
          ratio[i] = n.path("log_ratios").path(i).asDouble();
        }
        return new TokenDetail(pieces, adv, ratio);
      } catch (java.io.IOException e) {
        return new TokenDetail(List.of(), new double[0], new double[0]);
      }
    }
  }

  private static final String COLUMNS = "id, run_id, step, prompt_idx, sample_idx, prompt, "
      + "completion, reward, score, verdict, verifier, advantage, finish_reason, "
      + "response_tokens, token_detail";

  private final Sql sql;

  public RolloutRepository(Sql sql) {
    this.sql = sql;
  }

  /** Stores the rollouts of one step in one transaction. */
  public void add(List<Rollout> rollouts) {
    List<Object[]> rows = new ArrayList<>(rollouts.size());
    for (Rollout r : rollouts) {
      rows.add(new Object[] {r.runId(), r.step(), r.promptIdx(), r.sampleIdx(), r.prompt(),
          r.completion(), r.reward(), r.score(), r.verdict(), r.verifier(), r.advantage(),
          r.finishReason(), r.responseTokens(), r.tokenDetail()});
    }
    sql.batch("INSERT INTO rollouts(run_id, step, prompt_idx, sample_idx, prompt, completion, "
        + "reward, score, verdict, verifier, advantage, finish_reason, response_tokens, "
        + "token_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows);
  }

  /** The newest {@code limit} rollouts of a run, newest step first. */
  public List<Rollout> recent(long runId, int limit) {
    return sql.query("SELECT " + COLUMNS + " FROM rollouts WHERE run_id = ? "
        + "ORDER BY step DESC, prompt_idx, sample_idx LIMIT ?", RolloutRepository::map, runId,
        limit);
  }

  /** The rollouts of one step, in prompt and sample order. */
  public List<Rollout> forStep(long runId, long step) {
    return sql.query("SELECT " + COLUMNS + " FROM rollouts WHERE run_id = ? AND step = ? "
        + "ORDER BY prompt_idx, sample_idx", RolloutRepository::map, runId, step);
  }

  public long count(long runId) {
    return sql.queryLong("SELECT COUNT(*) FROM rollouts WHERE run_id = ?", runId);
  }

  /** Drops rollouts after {@code step}: a resumed run samples those steps again. */
  public int deleteAfter(long runId, long step) {
    return sql.update("DELETE FROM rollouts WHERE run_id = ? AND step > ?", runId, step);
  }

  private static Rollout map(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Rollout(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getInt(5),
        rs.getString(6), rs.getString(7), rs.getDouble(8), (Double) rs.getObject(9),
        rs.getString(10), rs.getString(11), (Double) rs.getObject(12), rs.getString(13),
        rs.getInt(14), rs.getString(15));
  }
}
