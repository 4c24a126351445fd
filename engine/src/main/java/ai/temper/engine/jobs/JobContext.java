package ai.temper.engine.jobs;

import java.util.concurrent.CancellationException;

/** What a running job sees: a place to report progress and a cancellation flag. */
public interface JobContext {
  /** Reports progress: {@code fraction} in [0, 1] (or negative when unknown) and a message. */
  void progress(double fraction, String message);

  boolean isCancelled();

  /** Throws {@link CancellationException} once the job was cancelled: call it between steps. */
  default void checkCancelled() {
    if (isCancelled()) {
      throw new CancellationException("cancelled");
    }
  }

  /**
   * Registers what to record if the job is abandoned: the process shuts down (SIGTERM) and
   * the job does not reach a cancellation check in time. The runner records the job itself
   * as CANCELLED; the work adds its own records (a training run's status). No-op by default.
   */
  default void onAbandon(Runnable record) {}

  /** A context for work run directly, outside any runner (tests, nested calls). */
  static JobContext none() {
    return new JobContext() {
      @Override
      public void progress(double fraction, String message) {}

      @Override
      public boolean isCancelled() {
        return false;
      }
    };
  }
}
