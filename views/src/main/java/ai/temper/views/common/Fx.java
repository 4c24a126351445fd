package ai.temper.views.common;

import ai.temper.engine.jobs.JobRunner;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import javafx.application.Platform;

/**
 * The FX side of the workbench's job runner: work runs on the runner's threads, results come
 * back on the FX thread. The FX thread itself only renders.
 */
public final class Fx {
  private Fx() {}

  /** Runs {@code r} on the FX thread: now if already there, else later. */
  public static void run(Runnable r) {
    if (Platform.isFxApplicationThread()) {
      r.run();
    } else {
      Platform.runLater(r);
    }
  }

  /** Loads something off the FX thread and hands it to {@code onSuccess} on the FX thread. */
  public static <T> void load(JobRunner jobs, Callable<T> work, Consumer<T> onSuccess,
      Consumer<Throwable> onError) {
    jobs.background(work).whenComplete((value, error) -> run(() -> {
      if (error == null) {
        onSuccess.accept(value);
      } else {
        onError.accept(error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
      }
    }));
  }
}
