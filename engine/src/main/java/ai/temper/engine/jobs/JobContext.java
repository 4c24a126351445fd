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
