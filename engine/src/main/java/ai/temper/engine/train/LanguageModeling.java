package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * Pretraining and SFT: mean cross-entropy over the target tokens of the batch (every token in
 * pretraining, assistant tokens in SFT).
 */
final class LanguageModeling extends EncodedObjective<TokenSequence> {

  LanguageModeling(TrainableModel model, List<TokenSequence> train, List<TokenSequence> eval,
      int padId) {
    super(model, train, eval, padId, TokenSequence::length);
  }

  @Override
  public NDArray loss(int[] items, NDManager nd, MetricSums metrics) {
    Batch b = Batch.of(nd, pick(items), padId);
    NDArray loss = Losses.targetLogProbs(model.model(), b, nd).mean().neg();
    metrics.add("target_tokens", b.targetTokens());
    return loss;
  }

  @Override
  public Map<String, Double> evaluate(int batchSize) {
    double[] nllAndCount = new double[2];
    eachEvalBatch(batchSize, (nd, from, to) -> {
      Batch b = Batch.of(nd, eval.subList(from, to), padId);
      nllAndCount[0] -= Losses.targetLogProbs(model.model(), b, nd).sum().getFloat();
      nllAndCount[1] += b.targetTokens();
    });
    double loss = nllAndCount[1] == 0 ? Double.NaN : nllAndCount[0] / nllAndCount[1];
    return Map.of("eval_loss", loss, "eval_perplexity", Math.exp(loss));
  }
}
