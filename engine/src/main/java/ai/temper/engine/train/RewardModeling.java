package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Bradley-Terry reward model: a scalar head (score.weight) on the final hidden state of the
 * last non-pad token; loss -log s(r_chosen - r_rejected - margin) plus optional centering.
 */
final class RewardModeling extends EncodedObjective<Encoder.Pair> {
  private final TrainConfig config;

  RewardModeling(TrainableModel model, List<Encoder.Pair> train, List<Encoder.Pair> eval,
      int padId, TrainConfig config) {
    super(model, train, eval, padId, PAIR_TOKENS);
    this.config = config;
  }

  /** Rewards (B) of sequences: the head applied at each row's last non-pad token. */
  static NDArray rewards(TrainableModel model, Batch b) {
    NDArray hidden = model.model().hiddenStates(b.inputIds(), null);
    NDArray all = hidden.getNDArrayInternal().linear(hidden, model.score(), null)
        .singletonOrThrow().squeeze(-1);
    return all.gather(b.lastIndex().expandDims(1), 1).squeeze(1);
  }

  private NDArray[] pairRewards(NDManager nd, List<Encoder.Pair> pairs) {
    NDArray r = rewards(model, pairBatch(nd, pairs));
    int n = pairs.size();
    return new NDArray[] {r.get(new NDIndex("0:{}", n)), r.get(new NDIndex("{}:", n))};
  }

  @Override
  public NDArray loss(int[] items, NDManager nd, MetricSums metrics) {
    NDArray[] r = pairRewards(nd, pick(items));
    record(r, metrics);
    return Losses.bradleyTerry(r[0], r[1], config.margin(), config.centerRewardsCoefficient());
  }

  private static void record(NDArray[] r, MetricSums metrics) {
    float[] c = r[0].toFloatArray();
    float[] j = r[1].toFloatArray();
    for (int i = 0; i < c.length; i++) {
      metrics.add("accuracy", c[i] > j[i] ? 1 : 0);
      metrics.add("rewards/chosen", c[i]);
      metrics.add("rewards/rejected", j[i]);
      metrics.add("rewards/margins", c[i] - j[i]);
    }
  }

  @Override
  public Map<String, Double> evaluate(int batchSize) {
    MetricSums sums = new MetricSums();
    eachEvalBatch(batchSize, (nd, from, to) -> {
      NDArray[] r = pairRewards(nd, eval.subList(from, to));
      NDArray loss = Losses.bradleyTerry(r[0], r[1], config.margin(),
          config.centerRewardsCoefficient());
      sums.add("loss", loss.getFloat(), to - from);
      record(r, sums);
    });
    return new LinkedHashMap<>(sums.means("eval_"));
  }
}
