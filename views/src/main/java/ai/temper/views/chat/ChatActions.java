package ai.temper.views.chat;

import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * What the parts of the Chat page share: the status and error lines, and the database steps
 * of its actions (saving, opening, judging), each a {@link BackgroundTask} during which the
 * page is busy.
 */
final class ChatActions {
  final TaskExecutor tasks;
  final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper();
  final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
  final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

  ChatActions(TaskExecutor tasks) {
    this.tasks = tasks;
  }

  /** A database step: busy while it runs; a failure goes to the error line. */
  <T> TaskHandle<T> step(Callable<T> work, Consumer<T> onSuccess) {
    return step(work, onSuccess, this::fail);
  }

  <T> TaskHandle<T> step(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
    return BackgroundTask.wrap(work)
        .onRunning(() -> busy.set(true))
        .onSuccess(v -> {
          busy.set(false);
          onSuccess.accept(v);
        })
        .onFailure(e -> {
          busy.set(false);
          onFailure.accept(e);
        })
        .executeWith(tasks);
  }

  /** A read that does not make the page busy (lists). */
  <T> TaskHandle<T> read(Callable<T> work, Consumer<T> onSuccess) {
    return BackgroundTask.wrap(work).onSuccess(onSuccess).onFailure(this::fail)
        .executeWith(tasks);
  }

  void fail(Throwable e) {
    error.set(e.getMessage() == null ? e.toString() : e.getMessage());
  }
}
