package ai.temper.views.common;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.jobs.JobRunner;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A stand-in for the FX thread in windowless tests: callbacks queue up and run, one at a time,
 * on the test's own thread when it pumps, so a view-model sees them in the order the FX thread
 * would, with no toolkit. Work posted from the test thread itself runs at once, as on the FX
 * thread.
 */
public final class QueuedUi implements UiExecutor {
  private static final long TIMEOUT_S = 60;
  private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  private final Thread owner = Thread.currentThread();

  /** A task executor on {@code jobs} delivering to this queue. */
  public TaskExecutor tasks(JobRunner jobs) {
    return new TaskExecutor(jobs, this);
  }

  @Override
  public void execute(Runnable r) {
    if (Thread.currentThread() == owner) {
      r.run();
    } else {
      queue.add(r);
    }
  }

  /** How many callbacks wait to run. */
  public int pending() {
    return queue.size();
  }

  /** Runs callbacks until {@code condition} holds; fails after a minute. */
  public void pumpUntil(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    while (!condition.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      assertThat(left).as("condition met within %d s", TIMEOUT_S).isPositive();
      try {
        Runnable r = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)),
            TimeUnit.NANOSECONDS);
        if (r != null) {
          r.run();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Runs callbacks until {@code f} is done, then returns its value (or throws its failure). */
  public <T> T await(CompletableFuture<T> f) throws ExecutionException, InterruptedException {
    pumpUntil(f::isDone);
    return f.get();
  }
}
