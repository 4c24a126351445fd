package ai.temper.engine.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.jobs.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * What the objectives share: the model, their encoded training and held-out items (token
 * sequences or preference pairs), the pad id, and the pass over the held-out items in
 * batches without gradients.
 *
 * @param <T> the encoded item
 */
abstract class EncodedObjective<T> implements Objective {
  /** Tokens of a preference pair: chosen and rejected. */
  static final ToLongFunction<Encoder.Pair> PAIR_TOKENS =
      p -> p.chosen().length() + p.rejected().length();

  final TrainableModel model;
  final List<T> train;
  final List<T> eval;
  final int padId;
  private final ToLongFunction<T> tokensOf;

  EncodedObjective(TrainableModel model, List<T> train, List<T> eval, int padId,
      ToLongFunction<T> tokensOf) {
    this.model = model;
    this.train = train;
    this.eval = eval;
    this.padId = padId;
    this.tokensOf = tokensOf;
  }

  /** One batch of a pass over items: {@code from} to {@code to} (exclusive). */
  interface EvalBatch {
    void run(NDManager nd, int from, int to);
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
  public long tokens(int[] items) {
    long n = 0;
    for (int i : items) {
      n += tokensOf.applyAsLong(train.get(i));
    }
    return n;
  }

  /** The training items {@code items}, in that order. */
  List<T> pick(int[] items) {
    List<T> out = new ArrayList<>(items.length);
    for (int i : items) {
      out.add(train.get(i));
    }
    return out;
  }

  /** Runs {@code batch} over the held-out items: {@link #inBatches} of {@link #eval}. */
  void eachEvalBatch(int batchSize, EvalBatch batch) {
    inBatches(eval.size(), batchSize, JobContext.none(), batch);
  }

  /**
   * Runs {@code batch} over items 0 to {@code count}, {@code batchSize} at a time, without
   * gradients, each batch's arrays freed before the next; stops when {@code ctx} is cancelled.
   */
  static void inBatches(int count, int batchSize, JobContext ctx, EvalBatch batch) {
    try (NoGrad ng = NoGrad.enter()) {
      for (int from = 0; from < count; from += batchSize) {
        ctx.checkCancelled();
        int to = Math.min(count, from + batchSize);
        try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager()) {
          batch.run(nd, from, to);
        }
      }
    }
  }

  /** Chosen sequences, then rejected ones, as one batch of 2B rows. */
  Batch pairBatch(NDManager nd, List<Encoder.Pair> pairs) {
    List<TokenSequence> rows = new ArrayList<>(pairs.size() * 2);
    for (Encoder.Pair p : pairs) {
      rows.add(p.chosen());
    }
    for (Encoder.Pair p : pairs) {
      rows.add(p.rejected());
    }
    return Batch.of(nd, rows, padId);
  }
}
