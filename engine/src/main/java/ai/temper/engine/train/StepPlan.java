package ai.temper.engine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Which examples each optimizer step sees. Epoch {@code e} visits the training items in a
 * permutation drawn from {@code seed} and {@code e} alone; each step takes
 * {@code gradient_accumulation_steps} consecutive micro-batches of it (the last step of an
 * epoch may take fewer). So the data of step k follows from the config and k: a resumed run
 * needs no saved iterator to continue exactly where it stopped.
 */
public final class StepPlan {
  private final int items;
  private final int batchSize;
  private final int accumulation;
  private final int totalSteps;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] cachedOrder;

  public StepPlan(int items, int batchSize, int accumulation, int epochs, Integer maxSteps,
      long seed) {
    if (items <= 0) {
      throw new IllegalArgumentException("no training items");
    }
    this.items = items;
    this.batchSize = batchSize;
    this.accumulation = accumulation;
    this.seed = seed;
    this.totalSteps = maxSteps != null ? maxSteps : epochs * stepsPerEpoch();
  }

  public static StepPlan of(int items, TrainConfig c) {
    return new StepPlan(items, c.batchSize(), c.gradientAccumulationSteps(), c.numTrainEpochs(),
        c.maxTrainSteps(), c.seed());
  }

  public int microBatchesPerEpoch() {
    return (items + batchSize - 1) / batchSize;
  }

  public int stepsPerEpoch() {
    return (microBatchesPerEpoch() + accumulation - 1) / accumulation;
  }

  public int totalSteps() {
    return totalSteps;
  }

  /** The 0-based epoch of optimizer step {@code step} (1-based). */
  public int epochOf(int step) {
    return (step - 1) / stepsPerEpoch();
  }

  /** Fractional epoch after {@code step} steps, for logging. */
  public double epochProgress(int step) {
    return (double) step / stepsPerEpoch();
  }

  /** The micro-batches (item indices) of optimizer step {@code step} (1-based). */
  public List<int[]> microBatches(int step) {
    int epoch = epochOf(step);
    int[] order = order(epoch);
    int within = (step - 1) % stepsPerEpoch();
    List<int[]> out = new ArrayList<>();
    for (int m = within * accumulation; m < Math.min((within + 1) * accumulation,
        microBatchesPerEpoch()); m++) {
      int from = m * batchSize;
      int to = Math.min(items, from + batchSize);
      out.add(Arrays.copyOfRange(order, from, to));
    }
    return out;
  }

  /** The permutation of epoch {@code epoch}: a Fisher-Yates shuffle seeded by seed and epoch. */
  public int[] order(int epoch) {
    if (epoch != cachedEpoch) {
      int[] p = new int[items];
      for (int i = 0; i < items; i++) {
        p[i] = i;
      }
      Random r = new Random(seed * 1_000_003L + epoch);
      for (int i = items - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
      }
      cachedOrder = p;
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }
}
