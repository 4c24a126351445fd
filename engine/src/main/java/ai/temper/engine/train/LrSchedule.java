package ai.temper.engine.train;

/**
 * Learning rate per optimizer step, as Hugging Face's schedulers compute it: a linear warmup
 * from zero over {@code warmup_steps} when positive, else {@code ceil(warmup_ratio * total)}
 * steps, then linear or cosine decay to zero, or constant. Step {@code k} (1-based) uses the
 * factor of {@code k - 1} completed steps.
 */
public record LrSchedule(String type, double peak, int totalSteps, int warmupSteps) {

  public static LrSchedule of(TrainConfig c, int totalSteps) {
    int warmup = c.warmupSteps() > 0 ? Math.min(c.warmupSteps(), totalSteps)
        : (int) Math.ceil(c.warmupRatio() * totalSteps);
    return new LrSchedule(c.lrSchedulerType(), c.learningRate(), totalSteps, warmup);
  }

  /** The learning rate of optimizer step {@code step} (1-based). */
  public double at(int step) {
    int done = step - 1;
    if (done < warmupSteps) {
      return peak * done / Math.max(1, warmupSteps);
    }
    double progress = (double) (done - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return switch (type) {
      case "constant" -> peak;
      case "cosine" -> peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
      default -> peak * Math.max(0, 1 - progress);
    };
  }
}
