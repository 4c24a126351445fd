package ai.temper.engine.jobs;

import ai.temper.engine.TemperException;
import ai.temper.engine.store.JobRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way to run long work, for the GUI and the command line alike: off the caller's
 * thread, with progress, cancellation and a record in the database.
 */
public final class JobRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private final JobRepository records;
  private final ExecutorService pool;
  private final List<JobListener> listeners = new CopyOnWriteArrayList<>();
  private final List<JobHandle<?>> active = new CopyOnWriteArrayList<>();

  public JobRunner(JobRepository records) {
    this.records = records;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "temper-job-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public void addListener(JobListener l) {
    listeners.add(l);
  }

  public void removeListener(JobListener l) {
    listeners.remove(l);
  }

  /** Jobs now running. */
  public List<JobHandle<?>> active() {
    return new ArrayList<>(active);
  }

  /** Starts {@code work} on a background thread and returns at once. */
  public <T> JobHandle<T> submit(String kind, String title, Job<T> work) {
    long id = records.start(kind, title);
    JobHandle<T> handle = new JobHandle<>(id, kind, title, this);
    active.add(handle);
    fireUpdate(handle);
    pool.execute(() -> execute(handle, work));
    return handle;
  }

  /**
   * Runs short background work (a page's database query) on the same threads, without a
   * record or a progress entry: for work that takes milliseconds, not minutes.
   */
  public <T> java.util.concurrent.CompletableFuture<T> background(
      java.util.concurrent.Callable<T> work) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return work.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, pool);
  }

  private <T> void execute(JobHandle<T> handle, Job<T> work) {
    handle.setThread(Thread.currentThread());
    try {
      T value = work.run(handle);
      if (handle.isCancelled()) {
        throw new CancellationException("cancelled");
      }
      end(handle, JobState.SUCCEEDED, null);
      handle.result.complete(value);
    } catch (CancellationException e) {
      end(handle, JobState.CANCELLED, null);
      handle.result.completeExceptionally(e);
    } catch (Throwable e) {
      String error = e instanceof TemperException ? e.getMessage() : e.toString();
      if (!(e instanceof TemperException)) {
        LOG.error("Job {} ({}) failed", handle.id(), handle.title(), e);
      }
      end(handle, JobState.FAILED, error);
      handle.result.completeExceptionally(e);
    }
  }

  /** Records a job that did not stop in time as CANCELLED, with the records it registered. */
  void abandon(JobHandle<?> handle, java.time.Duration waited) {
    if (handle.state().isDone()) {
      return;
    }
    for (Runnable r : handle.abandonRecords()) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("Could not record the end of job {}: {}", handle.id(), e.getMessage());
      }
    }
    end(handle, JobState.CANCELLED, "stopped at shutdown: the job did not reach a "
        + "cancellation check within " + waited.toSeconds() + " s");
  }

  private synchronized void end(JobHandle<?> handle, JobState state, String error) {
    if (handle.state().isDone()) {
      return; // abandoned at shutdown, then ended after all: the first record stands
    }
    handle.setState(state);
    active.remove(handle);
    try {
      records.finish(handle.id(), state.name(), handle.message(),
          handle.fraction() < 0 ? null : handle.fraction(), error);
    } catch (RuntimeException e) {
      LOG.warn("Could not record the end of job {}: {}", handle.id(), e.getMessage());
    }
    fireUpdate(handle);
  }

  void fireUpdate(JobHandle<?> handle) {
    for (JobListener l : listeners) {
      try {
        l.changed(handle);
      } catch (RuntimeException e) {
        LOG.warn("Job listener failed", e);
      }
    }
  }

  /** Cancels what still runs and waits briefly for it to stop. */
  @Override
  public void close() {
    close(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10));
  }

  /**
   * Cancels what still runs, waits up to {@code eachJob} for each job to stop and up to
   * {@code threads} for the threads to end; a job stuck where it checks for nothing is recorded
   * as abandoned and left behind.
   */
  public void close(java.time.Duration eachJob, java.time.Duration threads) {
    for (JobHandle<?> h : active) {
      h.cancelAndWait(eachJob);
    }
    pool.shutdown();
    try {
      if (!pool.awaitTermination(threads.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
