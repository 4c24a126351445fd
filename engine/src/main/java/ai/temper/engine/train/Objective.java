package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * What an algorithm trains for: the loss of a micro-batch of its training items and its
 * held-out metrics. Implementations hold their encoded items; the trainer picks them by index.
 */
interface Objective {
  /** Number of training items (sequences, packed rows or pairs). */
  int size();

  int evalSize();

  /**
   * The differentiable loss of the training items {@code items}, built in {@code nd}; adds
   * the batch's metrics to {@code metrics}.
   */
  NDArray loss(int[] items, NDManager nd, MetricSums metrics);

  /** Real (non-padding) tokens the items hold, for tokens/s. */
  long tokens(int[] items);

  /** Held-out metrics ("eval_loss", ...), computed without gradients. */
  Map<String, Double> evaluate(int batchSize);
}
