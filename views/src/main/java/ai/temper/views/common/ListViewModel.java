package ai.temper.views.common;

import ai.temper.engine.jobs.JobRunner;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** A view-model holding rows loaded from the database off the FX thread; reloads when shown. */
public class ListViewModel<T> implements Lifecycle {
  private final TaskExecutor tasks;
  private final Callable<List<T>> query;
  private final ObservableList<T> rows = FXCollections.observableArrayList();
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

  public ListViewModel(JobRunner jobs, Callable<List<T>> query) {
    this(TaskExecutor.fx(jobs), query);
  }

  public ListViewModel(TaskExecutor tasks, Callable<List<T>> query) {
    this.tasks = tasks;
    this.query = query;
  }

  @Override
  public void activate() {
    refresh();
  }

  public CompletableFuture<List<T>> refresh() {
    return BackgroundTask.wrap(query).onSuccess(list -> {
      rows.setAll(list);
      error.set("");
    }).onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future();
  }

  public ObservableList<T> rows() {
    return rows;
  }

  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }
}
