package ai.temper.engine.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/** A submitted job: its live progress, its result and a way to cancel it. */
public final class JobHandle<T> implements JobContext {
  private final long id;
  private final String kind;
  private final String title;
  private final Instant startedAt = Instant.now();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  final CompletableFuture<T> result = new CompletableFuture<>();
  private final JobRunner runner;
  private volatile double fraction = -1;
  private volatile String message = "";
  private volatile JobState state = JobState.RUNNING;
  private volatile Thread thread;
  private final java.util.List<Runnable> abandonRecords =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  JobHandle(long id, String kind, String title, JobRunner runner) {
    this.id = id;
    this.kind = kind;
    this.title = title;
    this.runner = runner;
  }

  public long id() {
    return id;
  }

  public String kind() {
    return kind;
  }

  public String title() {
    return title;
  }

  public double fraction() {
    return fraction;
  }

  public String message() {
    return message;
  }

  public JobState state() {
    return state;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** Estimated time left, from the elapsed time and the fraction done; empty while unknown. */
  public Optional<Duration> eta() {
    double f = fraction;
    if (f <= 0.01 || f >= 1 || state.isDone()) {
      return Optional.empty();
    }
    long elapsedMs = Duration.between(startedAt, Instant.now()).toMillis();
    return Optional.of(Duration.ofMillis((long) (elapsedMs * (1 - f) / f)));
  }

  /** Asks the job to stop; it stops at its next {@link #checkCancelled()}. */
  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      runner.fireUpdate(this);
    }
  }

  @Override
  public boolean isCancelled() {
    return cancelled.get();
  }

  @Override
  public void progress(double fraction, String message) {
    this.fraction = Math.min(1.0, fraction);
    if (message != null) {
      this.message = message;
    }
    runner.fireUpdate(this);
  }

  public CompletableFuture<T> future() {
    return result;
  }

  /**
   * Waits for the job and returns its result; rethrows its failure as it was thrown
   * (a cancelled job throws {@link java.util.concurrent.CancellationException}).
   */
  public T await() throws Exception {
    try {
      return result.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }

  @Override
  public void onAbandon(Runnable record) {
    abandonRecords.add(record);
  }

  java.util.List<Runnable> abandonRecords() {
    return abandonRecords;
  }

  /**
   * Cancels the job and waits up to {@code timeout} for it to stop; a job that does not stop
   * in time (it checks for nothing where it is stuck) is recorded as CANCELLED anyway, with
   * its own records, so a shutting-down process never waits on it for good.
   */
  public boolean cancelAndWait(Duration timeout) {
    cancel();
    try {
      result.handle((v, e) -> null).get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      runner.abandon(this, timeout);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      runner.abandon(this, timeout);
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  void setState(JobState state) {
    this.state = state;
  }

  void setThread(Thread thread) {
    this.thread = thread;
  }

  Thread thread() {
    return thread;
  }
}
