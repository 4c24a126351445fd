package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LlamaModel;

/**
 * The forwards RL needs on a batch of prompt + completion rows: the log-prob of each
 * completion token (the batch's targets, in order) with the policy's entropy there, and a
 * value head's estimate at each of those positions (the state before the token is emitted).
 */
final class RlForward {
  private RlForward() {}

  /**
   * How the output head turns the policy's hidden states into log-probs. The policy's old
   * log-probs, the reference's and the recorded pass of an update must take the same path,
   * so that at the first step the ratio is 1 and the KL 0 to the last bit.
   */
  enum Head {
    /** The (N, vocab) logits and their log-softmax, whole (recorded when training). */
    WHOLE,
    /**
     * A frozen head (LoRA) streamed over blocks of vocabulary rows
     * ({@link LlamaModel#checkpointedLogProbs}, {@link LlamaModel#headLogProbs}): no
     * (N, vocab) array, nothing of the head recorded.
     */
    STREAMED,
    /**
     * A trained head with gradient_checkpointing: recorded passes recompute it in blocks of
     * target rows ({@link LlamaModel#checkpointedLogProbs}); passes that record nothing take
     * it whole, the same log-softmax of the same rows.
     */
    ROW_BLOCKS
  }

  /** The path of {@code policy}'s head: that of its training pass. */
  static Head head(LlamaModel policy) {
    if (!policy.streamsOutputHead()) {
      return Head.WHOLE;
    }
    String name = policy.headName();
    return policy.parameter(name).hasGradient() ? Head.ROW_BLOCKS : Head.STREAMED;
  }

  /**
   * [log p of each target (N), entropy of the distribution at each target (N) or null], the
   * head taken as {@code head} says (the policy's path, also for the reference model). While
   * gradients are recorded and the head is not {@link Head#WHOLE}, the caller runs
   * {@link LlamaModel#backwardCheckpointed} after its backward. The entropy is a metric:
   * nothing records it.
   */
  static NDArray[] logProbs(LlamaModel model, Batch batch, NDManager nd, boolean entropy,
      Head head) {
    NDArray picked = Losses.targetHidden(model.hiddenStates(batch.inputIds(), null), batch, nd);
    int n = batch.targetPositions().length;
    NDArray labels = nd.create(batch.targetLabels()).reshape(n, 1);
    boolean recording = JniUtils.isGradMode();
    if (recording && head != Head.WHOLE) {
      return model.checkpointedLogProbs(picked, labels, entropy);
    }
    if (!recording && head == Head.STREAMED) {
      return model.headLogProbs(picked, labels, entropy);
    }
    NDArray logSoftmax = model.logits(picked).logSoftmax(-1);
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
