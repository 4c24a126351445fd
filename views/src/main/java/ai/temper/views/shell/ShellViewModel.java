package ai.temper.views.shell;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobListener;
import ai.temper.views.common.UiExecutor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main window's state: its pages, the page shown, and the jobs running now. Testable
 * without a window.
 */
public final class ShellViewModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShellViewModel.class);
  private final Workbench workbench;
  private final ObservableList<Page> pages;
  private final ObjectProperty<Page> selected = new SimpleObjectProperty<>();
  private final ObservableList<JobItem> jobs = FXCollections.observableArrayList();
  private final Map<Long, JobItem> byId = new HashMap<>();
  private final JobListener listener = this::onJobChanged;
  private final UiExecutor ui;
  private boolean closed;

  public ShellViewModel(Workbench workbench, List<Page> pages) {
    this(workbench, pages, UiExecutor.fx());
  }

  /** With job updates delivered on {@code ui} (tests pass {@link UiExecutor#direct()}). */
  public ShellViewModel(Workbench workbench, List<Page> pages, UiExecutor ui) {
    this.workbench = workbench;
    this.ui = ui;
    this.pages = FXCollections.unmodifiableObservableList(FXCollections.observableArrayList(pages));
    selected.addListener((obs, old, now) -> {
      if (old != null) {
        old.deactivate();
      }
      if (now != null) {
        now.activate();
      }
    });
    workbench.jobs().addListener(listener);
    for (JobHandle<?> h : workbench.jobs().active()) {
      onJobChanged(h);
    }
  }

  private void onJobChanged(JobHandle<?> h) {
    ui.execute(() -> {
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

  /**
   * Deactivates the page shown and closes every page (stopping their work and freeing what
   * they hold), then stops following jobs. Called once, when the window closes.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Page shown = selected.get();
    if (shown != null) {
      shown.deactivate();
    }
    for (Page p : pages) {
      try {
        p.close();
      } catch (RuntimeException e) {
        LOG.warn("Closing page {} failed", p.id(), e);
      }
    }
    workbench.jobs().removeListener(listener);
  }
}
