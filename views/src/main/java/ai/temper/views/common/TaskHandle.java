package ai.temper.views.common;

import ai.temper.engine.jobs.JobHandle;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A started {@link BackgroundTask}: cancel it, or wait for it. Its future completes after the
 * task's callbacks have run on the UI executor, so a test that waits on it sees their effect.
 */
public final class TaskHandle<T> {
  private final CompletableFuture<T> done = new CompletableFuture<>();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile JobHandle<T> job;

  TaskHandle() {}

  void attach(JobHandle<T> job) {
    this.job = job;
    if (cancelled.get()) {
      job.cancel();
    }
  }

  /**
   * Cancels the task: a recorded job is asked to stop; short work runs on, but its result is
   * dropped. Either way the task ends through {@code onCancelled}.
   */
  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      JobHandle<T> j = job;
      if (j != null) {
        j.cancel();
      }
    }
  }

  public boolean isCancelled() {
    return cancelled.get();
  }

  public boolean isDone() {
    return done.isDone();
  }

  /** The job behind the task, when it is a recorded one. */
  public Optional<JobHandle<T>> job() {
    return Optional.ofNullable(job);
  }

  /** Completes (on the UI executor) after the callbacks ran; fails as the task failed. */
  public CompletableFuture<T> future() {
    return done;
  }

  CompletableFuture<T> done() {
    return done;
  }
}
