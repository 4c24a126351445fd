package ai.temper.views.shell;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobListener;
import ai.temper.views.common.Fx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The main window's state: its pages, the page shown, and the jobs running now. Testable
 * without a window.
 */
public final class ShellViewModel implements AutoCloseable {
  private final Workbench workbench;
  private final ObservableList<Page> pages;
  private final ObjectProperty<Page> selected = new SimpleObjectProperty<>();
  private final ObservableList<JobItem> jobs = FXCollections.observableArrayList();
  private final Map<Long, JobItem> byId = new HashMap<>();
  private final JobListener listener = this::onJobChanged;

  public ShellViewModel(Workbench workbench, List<Page> pages) {
    this.workbench = workbench;
    this.pages = FXCollections.unmodifiableObservableList(FXCollections.observableArrayList(pages));
    selected.addListener((obs, old, now) -> {
      if (now != null) {
        now.activated();
      }
    });
    workbench.jobs().addListener(listener);
    for (JobHandle<?> h : workbench.jobs().active()) {
      onJobChanged(h);
    }
  }

  private void onJobChanged(JobHandle<?> h) {
    Fx.run(() -> {
      JobItem item = byId.get(h.id());
      if (h.state().isDone()) {
        if (item != null) {
          byId.remove(h.id());
          jobs.remove(item);
        }
        return;
      }
      if (item == null) {
        item = new JobItem(h);
        byId.put(h.id(), item);
        jobs.add(item);
      }
      item.refresh();
    });
  }

  public Workbench workbench() {
    return workbench;
  }

  public ObservableList<Page> pages() {
    return pages;
  }

  public ObjectProperty<Page> selectedProperty() {
    return selected;
  }

  /** Shows the page with {@code id}; false if there is none. */
  public boolean select(String id) {
    for (Page p : pages) {
      if (p.id().equals(id)) {
        selected.set(p);
        return true;
      }
    }
    return false;
  }

  /** Jobs running now, in the order they started. */
  public ObservableList<JobItem> jobs() {
    return jobs;
  }

  public String homeText() {
    return workbench.home().toString();
  }

  @Override
  public void close() {
    workbench.jobs().removeListener(listener);
  }
}
