package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pretraining and SFT: mean cross-entropy over the target tokens of the batch (every token in
 * pretraining, assistant tokens in SFT).
 */
final class LanguageModeling implements Objective {
  private final TrainableModel model;
  private final List<TokenSequence> train;
  private final List<TokenSequence> eval;
  private final int padId;

  LanguageModeling(TrainableModel model, List<TokenSequence> train, List<TokenSequence> eval,
      int padId) {
    this.model = model;
    this.train = train;
    this.eval = eval;
    this.padId = padId;
  }

  @Override
  public int size() {
    return train.size();
  }

  @Override
  public int evalSize() {
    return eval.size();
  }

  @Override
  public NDArray loss(int[] items, NDManager nd, MetricSums metrics) {
    Batch b = Batch.of(nd, pick(train, items), padId);
    NDArray loss = Losses.targetLogProbs(model.model(), b, nd).mean().neg();
    metrics.add("target_tokens", b.targetTokens());
    return loss;
  }

  @Override
  public long tokens(int[] items) {
    long n = 0;
    for (int i : items) {
      n += train.get(i).length();
    }
    return n;
  }

  @Override
  public Map<String, Double> evaluate(int batchSize) {
    double nll = 0;
    long count = 0;
    try (NoGrad ng = NoGrad.enter()) {
      for (int from = 0; from < eval.size(); from += batchSize) {
        try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager()) {
          Batch b = Batch.of(nd, eval.subList(from, Math.min(eval.size(), from + batchSize)),
              padId);
          nll -= Losses.targetLogProbs(model.model(), b, nd).sum().getFloat();
          count += b.targetTokens();
        }
      }
    }
    double loss = count == 0 ? Double.NaN : nll / count;
    return Map.of("eval_loss", loss, "eval_perplexity", Math.exp(loss));
  }

  static <T> List<T> pick(List<T> all, int[] items) {
    List<T> out = new ArrayList<>(items.length);
    for (int i : items) {
      out.add(all.get(i));
    }
    return out;
  }
}
