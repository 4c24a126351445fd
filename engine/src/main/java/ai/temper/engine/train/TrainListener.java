package ai.temper.engine.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * Hears a run as it trains (the GUI's live chart, the command line's log). Called on the
 * training thread: be quick and hand work to another thread.
 */
public interface TrainListener {
  /** Metrics logged at {@code step} (0: before the first step) of {@code totalSteps}. */
  default void onMetrics(long runId, int step, int totalSteps, Map<String, Double> metrics) {}

  /** A reinforcement-learning step stored its {@code count} rollouts (before its metrics). */
  default void onRollouts(long runId, int step, int count) {}

  /** A checkpoint was written. */
  default void onCheckpoint(long runId, int step, Path dir) {}

  /** A line worth showing the user (data counts, truncation, resumption). */
  default void onLog(long runId, String line) {}
}
