package ai.temper.views.common;

import java.util.concurrent.Executor;
import javafx.application.Platform;

/**
 * Where a view-model's results are delivered: the FX thread in the application, the calling
 * thread in tests. View-models hop to it through {@link BackgroundTask}, never through
 * {@code Platform.runLater}, so tests drive them without starting the toolkit.
 */
@FunctionalInterface
public interface UiExecutor extends Executor {

  /** The FX thread: runs now when already on it, else later. */
  static UiExecutor fx() {
    return r -> {
      if (Platform.isFxApplicationThread()) {
        r.run();
      } else {
        Platform.runLater(r);
      }
    };
  }

  /**
   * The FX thread after the event being handled: for a view that must undo a selection the
   * control is still making (a change listener cannot veto it while it runs), or move the
   * focus once a page is shown.
   */
  static UiExecutor afterThisEvent() {
    return Platform::runLater;
  }

  /** Runs on the calling thread: for tests, which then need no toolkit. */
  static UiExecutor direct() {
    return Runnable::run;
  }
}
