package ai.temper.views.common;

import ai.temper.engine.jobs.Job;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobListener;
import ai.temper.engine.jobs.JobRunner;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a view-model runs work off the FX thread and gets its results, progress and
 * errors back on it (after JabRef's {@code BackgroundTask}):
 *
 * <pre>{@code
 * BackgroundTask.wrap(() -> workbench.datasets().list())
 *     .onRunning(() -> loading.set(true))
 *     .onSuccess(datasets::setAll)
 *     .onFailure(e -> status.set(e.getMessage()))
 *     .onFinished(() -> loading.set(false))
 *     .executeWith(tasks);
 * }</pre>
 *
 * <p>Sources of work, all on the workbench's {@link JobRunner}: {@link #wrap} for short work
 * (a query: milliseconds, no record), {@link #job} for long work recorded as a job (shown in
 * the status bar, cancellable, with progress), {@link #startJob} for a job an engine service
 * submits, and {@link #follow} for a job someone else started. Nothing of it touches the
 * database on the FX thread, not even a job's record. Callbacks run on the {@link UiExecutor} of the
 * {@link TaskExecutor}, in this order: {@code onRunning} (at once), {@code onProgress} (the
 * latest, coalesced), then exactly one of {@code onSuccess}, {@code onCancelled} or
 * {@code onFailure}, then {@code onFinished}.
 */
public final class BackgroundTask<T> {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundTask.class);

  /** A job's progress: {@code fraction} in [0, 1], negative while unknown. */
  public record Progress(double fraction, String message) {}

  private interface Source<T> {
    /** Starts the work, handing its job (when it is one) to {@code onJob}; returns its end. */
    CompletableFuture<T> start(JobRunner jobs, Consumer<JobHandle<T>> onJob);
  }

  private final Source<T> source;
  private Runnable onRunning = () -> {};
  private Consumer<Progress> onProgress;
  private Consumer<? super T> onSuccess = v -> {};
  private Consumer<Throwable> onFailure;
  private Runnable onCancelled;
  private Runnable onFinished = () -> {};

  private BackgroundTask(Source<T> source) {
    this.source = source;
  }

  /** Short work (a query): runs on the job runner's threads without a record or progress. */
  public static <T> BackgroundTask<T> wrap(Callable<T> work) {
    Objects.requireNonNull(work);
    return new BackgroundTask<>((jobs, onJob) -> jobs.background(work));
  }

  /** Short work with no result. */
  public static BackgroundTask<Void> wrap(ThrowingRunnable work) {
    Objects.requireNonNull(work);
    return wrap(() -> {
      work.run();
      return null;
    });
  }

  /**
   * Long work recorded as a job of {@code kind}: in the status bar, with progress. The job is
   * submitted from a worker thread too, since its record is a database write.
   */
  public static <T> BackgroundTask<T> job(String kind, String title, Job<T> work) {
    Objects.requireNonNull(work);
    return startJob(jobs -> jobs.submit(kind, title, work));
  }

  /**
   * A job an engine service submits itself ({@code runs.submit(id)}), started off the FX
   * thread and then followed.
   */
  public static <T> BackgroundTask<T> startJob(JobStarter<T> start) {
    Objects.requireNonNull(start);
    return new BackgroundTask<>((jobs, onJob) -> jobs.background(() -> start.start(jobs))
        .thenCompose(job -> {
          onJob.accept(job);
          return job.future();
        }));
  }

  /** Follows a job that is already running (a training run, a reply): its progress and end. */
  public static <T> BackgroundTask<T> follow(JobHandle<T> job) {
    Objects.requireNonNull(job);
    return new BackgroundTask<>((jobs, onJob) -> {
      onJob.accept(job);
      return job.future();
    });
  }

  /** Runs at once on the UI executor, before the work starts. */
  public BackgroundTask<T> onRunning(Runnable r) {
    this.onRunning = Objects.requireNonNull(r);
    return this;
  }

  /** The job's progress (for {@link #job} and {@link #follow}); only the newest is delivered. */
  public BackgroundTask<T> onProgress(Consumer<Progress> c) {
    this.onProgress = Objects.requireNonNull(c);
    return this;
  }

  public BackgroundTask<T> onSuccess(Consumer<? super T> c) {
    this.onSuccess = Objects.requireNonNull(c);
    return this;
  }

  /**
   * The failure, unwrapped from its {@link CompletionException}. Without {@link #onCancelled}
   * a cancellation arrives here too, as a {@link CancellationException}. Without a handler a
   * failure is logged.
   */
  public BackgroundTask<T> onFailure(Consumer<Throwable> c) {
    this.onFailure = Objects.requireNonNull(c);
    return this;
  }

  /** The task was cancelled (by its handle or, for a job, from the status bar). */
  public BackgroundTask<T> onCancelled(Runnable r) {
    this.onCancelled = Objects.requireNonNull(r);
    return this;
  }

  /** Runs last, whatever the outcome. */
  public BackgroundTask<T> onFinished(Runnable r) {
    this.onFinished = Objects.requireNonNull(r);
    return this;
  }

  /** Starts the task; the callbacks run on {@code executor}'s UI executor. */
  public TaskHandle<T> executeWith(TaskExecutor executor) {
    UiExecutor ui = executor.ui();
    JobRunner jobs = executor.jobs();
    TaskHandle<T> handle = new TaskHandle<>();
    AtomicReference<JobListener> listener = new AtomicReference<>();
    ui.execute(onRunning);
    CompletableFuture<T> work;
    try {
      work = source.start(jobs, job -> {
        handle.attach(job);
        if (onProgress != null) {
          listener.set(progressListener(job, handle, ui));
          jobs.addListener(listener.get());
        }
      });
    } catch (RuntimeException e) {
      work = CompletableFuture.failedFuture(e);
    }
    work.whenComplete((value, error) -> {
      JobListener l = listener.get();
      if (l != null) {
        jobs.removeListener(l);
      }
      ui.execute(() -> deliver(handle, value, error));
    });
    return handle;
  }

  private JobListener progressListener(JobHandle<T> job, TaskHandle<T> handle, UiExecutor ui) {
    AtomicBoolean pending = new AtomicBoolean();
    JobListener listener = h -> {
      if (h == job && !h.state().isDone() && pending.compareAndSet(false, true)) {
        ui.execute(() -> {
          pending.set(false);
          if (!handle.isDone() && !handle.isCancelled()) {
            onProgress.accept(new Progress(job.fraction(), job.message()));
          }
        });
      }
    };
    listener.changed(job); // what it reports already
    return listener;
  }

  private void deliver(TaskHandle<T> handle, T value, Throwable error) {
    Throwable cause = error == null ? null : unwrap(error);
    boolean cancelled = handle.isCancelled() || cause instanceof CancellationException;
    try {
      if (cancelled && (onCancelled != null || onFailure == null)) {
        if (onCancelled != null) {
          onCancelled.run();
        }
      } else if (cancelled) {
        onFailure.accept(cause != null ? cause : new CancellationException("cancelled"));
      } else if (cause == null) {
        onSuccess.accept(value);
      } else if (onFailure != null) {
        onFailure.accept(cause);
      } else {
        LOG.warn("Background task failed", cause);
      }
    } catch (RuntimeException e) {
      LOG.warn("A background task's callback failed", e);
      cause = e;
    } finally {
      try {
        onFinished.run();
      } catch (RuntimeException e) {
        LOG.warn("A background task's onFinished failed", e);
      }
    }
    if (cancelled) {
      handle.done().completeExceptionally(cause instanceof CancellationException ? cause
          : new CancellationException("cancelled"));
    } else if (cause != null) {
      handle.done().completeExceptionally(cause);
    } else {
      handle.done().complete(value);
    }
  }

  /** The failure inside {@link CompletionException} / {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Submits a job through the runner or an engine service. */
  @FunctionalInterface
  public interface JobStarter<T> {
    JobHandle<T> start(JobRunner jobs) throws Exception;
  }

  /** Work with no result that may throw. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws Exception;
  }
}
