package ai.temper.views.shell;

import ai.temper.engine.jobs.JobHandle;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/** A running job as the status bar shows it; updated on the FX thread. */
public final class JobItem {
  private final JobHandle<?> handle;
  private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(-1);
  private final ReadOnlyStringWrapper text = new ReadOnlyStringWrapper("");

  JobItem(JobHandle<?> handle) {
    this.handle = handle;
    refresh();
  }

  void refresh() {
    progress.set(handle.fraction());
    StringBuilder sb = new StringBuilder(handle.title());
    if (!handle.message().isEmpty()) {
      sb.append(" — ").append(handle.message());
    }
    handle.eta().ifPresent(d -> sb.append(String.format(" (%d:%02d left)", d.toMinutes(),
        d.toSecondsPart())));
    if (handle.isCancelled()) {
      sb.append(" (cancelling)");
    }
    text.set(sb.toString());
  }

  public JobHandle<?> handle() {
    return handle;
  }

  public ReadOnlyDoubleProperty progressProperty() {
    return progress.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty textProperty() {
    return text.getReadOnlyProperty();
  }

  public void cancel() {
    handle.cancel();
  }
}
