package ai.temper.app.cli;

import ai.temper.engine.jobs.Job;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobListener;
import ai.temper.engine.jobs.JobRunner;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * Runs a job through the workbench's job runner and draws its progress bar on stderr, so
 * stdout carries only results. Ctrl-C cancels the job and waits for it to stop cleanly.
 */
public final class ConsoleProgress implements JobListener {
  /** How long a shutdown waits for the job to reach a cancellation check. */
  static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);
  private final PrintStream err;
  private final boolean tty = System.console() != null;
  private long lastDraw;
  private String lastLine = "";

  private ConsoleProgress(PrintStream err) {
    this.err = err;
  }

  /** Runs {@code work} as a job, shows its progress and returns its result. */
  public static <T> T run(JobRunner runner, String kind, String title, Job<T> work)
      throws Exception {
    ConsoleProgress bar = new ConsoleProgress(System.err);
    runner.addListener(bar);
    JobHandle<T> handle = runner.submit(kind, title, work);
    // SIGTERM / Ctrl-C: cancel, and wait a few seconds at most: a job stuck where it checks
    // for nothing is recorded as cancelled and left behind, never waited on for good
    Thread hook = new Thread(() -> handle.cancelAndWait(SHUTDOWN_WAIT));
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return handle.await();
    } catch (CancellationException e) {
      throw new ai.temper.engine.TemperException(title + ": cancelled");
    } finally {
      runner.removeListener(bar);
      bar.finish();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
    }
  }

  @Override
  public synchronized void changed(JobHandle<?> job) {
    long now = System.currentTimeMillis();
    boolean done = job.state().isDone();
    if (!done && now - lastDraw < (tty ? 100 : 2000)) {
      return;
    }
    lastDraw = now;
    String line = render(job);
    if (line.equals(lastLine)) {
      return;
    }
    lastLine = line;
    if (tty) {
      err.print("\r" + line + "\u001b[K");
    } else {
      err.println(line);
    }
    err.flush();
  }

  static String render(JobHandle<?> job) {
    double f = job.fraction();
    StringBuilder sb = new StringBuilder();
    if (f >= 0) {
      int filled = (int) Math.round(f * 30);
      sb.append('[').append("#".repeat(filled)).append(" ".repeat(30 - filled)).append("] ");
      sb.append(String.format("%3d%%", Math.round(f * 100)));
    } else {
      sb.append("[working]");
    }
    sb.append(' ').append(job.title());
    if (!job.message().isEmpty()) {
      sb.append(": ").append(job.message());
    }
    job.eta().ifPresent(d -> sb.append(" (ETA ").append(format(d)).append(')'));
    return sb.toString();
  }

  static String format(Duration d) {
    long s = d.getSeconds();
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }

  private synchronized void finish() {
    if (tty && !lastLine.isEmpty()) {
      err.println();
    }
  }
}
