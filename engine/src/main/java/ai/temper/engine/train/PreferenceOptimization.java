package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.temper.engine.jobs.JobContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DPO family on preference pairs (dpo/sigmoid, dpo_norm, simpo, ipo, hinge, robust, wpo;
 * see {@link Losses#preference}). Each batch runs chosen and rejected sequences
 * through one forward (2B rows). The reference log-probs come from the model before training,
 * computed once by {@link #computeReferences} and cached, so no reference model is kept.
 */
final class PreferenceOptimization extends EncodedObjective<Encoder.Pair> {
  private final TrainConfig config;
  /** Reference log-probs per pair: [chosen, rejected], summed over completion tokens. */
  private float[][] trainRef;
  private float[][] evalRef;

  PreferenceOptimization(TrainableModel model, List<Encoder.Pair> train,
      List<Encoder.Pair> eval, int padId, TrainConfig config) {
    super(model, train, eval, padId, PAIR_TOKENS);
    this.config = config;
  }

  boolean needsReference() {
    return !config.lossType().equals("simpo");
  }

  /** Computes the reference log-probs with the model as it is now (before any step). */
  void computeReferences(int batchSize, JobContext ctx) {
    trainRef = logProbs(train, batchSize, ctx);
    evalRef = logProbs(eval, batchSize, ctx);
  }

  /** The cached reference log-probs: [train or eval][pair][chosen or rejected]. */
  float[][][] references() {
    return new float[][][] {trainRef, evalRef};
  }

  void setReferences(float[][] train, float[][] eval) {
    this.trainRef = train;
    this.evalRef = eval;
  }

  private float[][] logProbs(List<Encoder.Pair> pairs, int batchSize, JobContext ctx) {
    float[][] out = new float[pairs.size()][];
    if (!needsReference()) {
      for (int i = 0; i < out.length; i++) {
        out[i] = new float[2];
      }
      return out;
    }
    inBatches(pairs.size(), batchSize, ctx, (nd, from, to) -> {
      NDArray[] lp = sequenceLogProbs(nd, pairs.subList(from, to));
      float[] c = lp[0].toFloatArray();
      float[] r = lp[1].toFloatArray();
      for (int i = from; i < to; i++) {
        out[i] = new float[] {c[i - from], r[i - from]};
      }
    });
    return out;
  }

  /** Summed completion log-probs (B) of chosen and rejected, and their token counts. */
  private NDArray[] sequenceLogProbs(NDManager nd, List<Encoder.Pair> pairs) {
    Batch b = pairBatch(nd, pairs);
    NDArray seq = Losses.rowSums(Losses.targetLogProbs(model.model(), b, nd), b, nd);
    NDArray lengths = b.lossMask().sum(new int[] {1});
    int n = pairs.size();
    return new NDArray[] {seq.get(new NDIndex("0:{}", n)), seq.get(new NDIndex("{}:", n)),
        lengths.get(new NDIndex("0:{}", n)), lengths.get(new NDIndex("{}:", n))};
  }

  @Override
  public NDArray loss(int[] items, NDManager nd, MetricSums metrics) {
    Losses.PreferenceLoss l = batchLoss(nd, pick(items), items, trainRef);
    record(l, metrics, "");
    return l.loss();
  }

  private Losses.PreferenceLoss batchLoss(NDManager nd, List<Encoder.Pair> pairs, int[] items,
      float[][] refs) {
    NDArray[] lp = sequenceLogProbs(nd, pairs);
    float[] rc = new float[items.length];
    float[] rr = new float[items.length];
    for (int i = 0; i < items.length; i++) {
      rc[i] = refs[items[i]][0];
      rr[i] = refs[items[i]][1];
    }
    lastLogps = new float[][] {lp[0].toFloatArray(), lp[1].toFloatArray()};
    return Losses.preference(config.lossType(), lp[0], lp[1], nd.create(rc), nd.create(rr),
        lp[2], lp[3], config.beta(), config.labelSmoothing(), config.simpoGammaBetaRatio());
  }

  /** Summed policy log-probs of the last batch, [chosen, rejected], for the logps metrics. */
  private float[][] lastLogps;

  private void record(Losses.PreferenceLoss l, MetricSums metrics, String prefix) {
    float[] c = l.chosenRewards().toFloatArray();
    float[] r = l.rejectedRewards().toFloatArray();
    for (int i = 0; i < c.length; i++) {
      metrics.add(prefix + "logps/chosen", lastLogps[0][i]);
      metrics.add(prefix + "logps/rejected", lastLogps[1][i]);
      metrics.add(prefix + "rewards/chosen", c[i]);
      metrics.add(prefix + "rewards/rejected", r[i]);
      metrics.add(prefix + "rewards/margins", c[i] - r[i]);
      metrics.add(prefix + "rewards/accuracies", c[i] > r[i] ? 1 : 0);
    }
  }

  @Override
  public Map<String, Double> evaluate(int batchSize) {
    MetricSums sums = new MetricSums();
    eachEvalBatch(batchSize, (nd, from, to) -> {
      int[] items = new int[to - from];
      for (int i = 0; i < items.length; i++) {
        items[i] = from + i;
      }
      Losses.PreferenceLoss l = batchLoss(nd, eval.subList(from, to), items, evalRef);
      sums.add("loss", l.loss().getFloat(), items.length);
      record(l, sums, "");
    });
    return new LinkedHashMap<>(sums.means("eval_"));
  }
}
