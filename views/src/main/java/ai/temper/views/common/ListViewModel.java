package ai.temper.views.common;

import ai.temper.engine.jobs.JobRunner;
import java.util.List;
import java.util.concurrent.Callable;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** A view-model holding rows loaded from the database off the FX thread. */
public class ListViewModel<T> {
  private final JobRunner jobs;
  private final Callable<List<T>> query;
  private final ObservableList<T> rows = FXCollections.observableArrayList();
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

  public ListViewModel(JobRunner jobs, Callable<List<T>> query) {
    this.jobs = jobs;
    this.query = query;
  }

  public void refresh() {
    Fx.load(jobs, query, list -> {
      rows.setAll(list);
      error.set("");
    }, e -> error.set(e.getMessage()));
  }

  public ObservableList<T> rows() {
    return rows;
  }

  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }
}
