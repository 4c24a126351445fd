package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LlamaModel;

/**
 * The forwards RL needs on a batch of prompt + completion rows: the log-prob of each
 * completion token (the batch's targets, in order) with the policy's entropy there, and a
 * value head's estimate at each of those positions (the state before the token is emitted).
 */
final class RlForward {
  private RlForward() {}

  /** [log p of each target (N), entropy of the distribution at each target (N) or null]. */
  static NDArray[] logProbs(LlamaModel model, Batch batch, NDManager nd, boolean entropy) {
    NDArray picked = Losses.targetHidden(model.hiddenStates(batch.inputIds(), null), batch, nd);
    int n = batch.targetPositions().length;
    NDArray logSoftmax = model.logits(picked).logSoftmax(-1);
    NDArray labels = nd.create(batch.targetLabels()).reshape(n, 1);
    NDArray lp = logSoftmax.gather(labels, 1).squeeze(1);
    NDArray h = null;
    if (entropy) {
      try (NoGrad ng = NoGrad.enter()) {
        h = logSoftmax.exp().mul(logSoftmax).sum(new int[] {1}).neg();
      }
    }
    return new NDArray[] {lp, h};
  }

  /** The value head (score.weight) at each target position (N). */
  static NDArray values(TrainableModel value, Batch batch, NDManager nd) {
    NDArray picked = Losses.targetHidden(value.model().hiddenStates(batch.inputIds(), null), batch, nd);
    return picked.matMul(value.score().transpose()).squeeze(1);
  }
}
