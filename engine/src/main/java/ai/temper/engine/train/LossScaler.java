package ai.temper.engine.train;

/**
 * Dynamic loss scaling for float16 training, as PyTorch's {@code torch.amp.GradScaler} does it:
 * the loss is multiplied by {@link #scale()} before backward so that small gradients survive
 * float16's narrow range; the optimizer sees the gradients divided by it again. A step whose
 * gradients overflowed (inf or NaN) is skipped and the scale halves; after
 * {@code growthInterval} good steps in a row it doubles.
 */
public final class LossScaler {
  /** GradScaler's defaults. */
  public static final double INIT_SCALE = 65536.0;
  public static final int GROWTH_INTERVAL = 2000;
  static final double GROWTH = 2.0;
  static final double BACKOFF = 0.5;

  private final int growthInterval;
  private double scale;
  private int goodSteps;
  private long skipped;

  public LossScaler() {
    this(INIT_SCALE, GROWTH_INTERVAL);
  }

  public LossScaler(double initScale, int growthInterval) {
    if (!(initScale > 0) || growthInterval < 1) {
      throw new IllegalArgumentException("loss scale must be positive, growth interval >= 1");
    }
    this.scale = initScale;
    this.growthInterval = growthInterval;
  }

  /** The factor the loss is multiplied by before backward. */
  public double scale() {
    return scale;
  }

  /** Good steps since the scale last changed. */
  public int goodSteps() {
    return goodSteps;
  }

  /** Steps skipped for overflow so far. */
  public long skipped() {
    return skipped;
  }

  /**
   * Records the outcome of a step: with {@code finite} false the step was skipped and the scale
   * halves; else one more good step, doubling the scale after {@code growthInterval} of them.
   */
  public void update(boolean finite) {
    if (!finite) {
      scale *= BACKOFF;
      goodSteps = 0;
      skipped++;
      return;
    }
    if (++goodSteps >= growthInterval) {
      scale *= GROWTH;
      goodSteps = 0;
    }
  }

  /** Restores the state saved with a checkpoint (so a resumed run scales as it would have). */
  public void restore(double savedScale, int savedGoodSteps) {
    if (savedScale > 0 && Double.isFinite(savedScale)) {
      scale = savedScale;
      goodSteps = Math.max(0, savedGoodSteps);
    }
  }
}
