package ai.temper.views.runs;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** The Runs page: all runs, and the curves of the runs picked, overlaid. */
public final class RunsViewModel implements Lifecycle {
  private final Workbench workbench;
  private final ObservableList<Run> runs = FXCollections.observableArrayList();
  private final ObservableList<Run> picked = FXCollections.observableArrayList();
  private final ObservableList<String> metricNames = FXCollections.observableArrayList();
  private final StringProperty metric = new SimpleStringProperty("loss");
  private final ObjectProperty<Map<String, List<Point>>> curves =
      new SimpleObjectProperty<>(Map.of());
  private final StringProperty error = new SimpleStringProperty("");
  private final TaskExecutor tasks;
  private TaskHandle<?> curveLoad;
  private Consumer<Path> openInChat = p -> {};
  private Consumer<Path> openInEvaluate = p -> {};
  private LongConsumer onResume = id -> {};

  public RunsViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public RunsViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
    picked.addListener((javafx.collections.ListChangeListener<Run>) c -> loadCurves());
    metric.addListener((obs, old, now) -> loadCurves());
  }

  @Override
  public void activate() {
    refresh();
  }

  /** Reloads the run list from the database, off the FX thread. */
  public CompletableFuture<List<Run>> refresh() {
    return BackgroundTask.wrap(() -> workbench.db().runs().list()).onSuccess(runs::setAll)
        .onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future();
  }

  /**
   * Loads the chosen metric of the picked runs; a newer request cancels an older one, since
   * answers may come back out of order.
   */
  CompletableFuture<?> loadCurves() {
    String name = metric.get();
    if (name == null) {
      return CompletableFuture.completedFuture(null); // the box is between values
    }
    if (curveLoad != null) {
      curveLoad.cancel();
    }
    List<Run> chosen = new ArrayList<>(picked);
    curveLoad = BackgroundTask.wrap(() -> {
      TreeSet<String> names = new TreeSet<>();
      Map<String, List<Point>> out = new LinkedHashMap<>();
      for (Run r : chosen) {
        names.addAll(workbench.db().metrics().names(r.id()));
        List<Point> pts = new ArrayList<>();
        for (Metric m : workbench.db().metrics().series(r.id(), name)) {
          pts.add(new Point(m.step(), m.value()));
        }
        out.put("#" + r.id() + " " + (r.name() == null ? r.kind() : r.name()), pts);
      }
      return Map.entry(new ArrayList<>(names), out);
    }).onSuccess(result -> {
      if (!metricNames.equals(result.getKey())) {
        metricNames.setAll(result.getKey());
        if (!name.equals(metric.get())) {
          metric.set(name); // new choices must not change the metric shown
          return;
        }
      }
      curves.set(result.getValue());
    }).onCancelled(() -> {}).onFailure(e -> error.set(e.getMessage())).executeWith(tasks);
    return curveLoad.future();
  }

  /**
   * Hooks for the shell to wire: open a checkpoint directory in Chat or Evaluate, resume a run
   * (e.g. on the Train page). Each gets the newest complete checkpoint of the first picked run.
   */
  public void setOpenInChat(Consumer<Path> hook) {
    this.openInChat = hook == null ? p -> {} : hook;
  }

  public void setOpenInEvaluate(Consumer<Path> hook) {
    this.openInEvaluate = hook == null ? p -> {} : hook;
  }

  public void setOnResume(LongConsumer hook) {
    this.onResume = hook == null ? id -> {} : hook;
  }

  /** The newest complete checkpoint of the first picked run, if any (reads the disk). */
  public Optional<Path> pickedCheckpoint() {
    if (picked.isEmpty()) {
      return Optional.empty();
    }
    return workbench.runs().latestCheckpoint(picked.get(0).id());
  }

  /** Hands the first picked run's newest checkpoint to the Chat page (looked up off the FX thread). */
  public CompletableFuture<Optional<Path>> openInChat() {
    return withCheckpoint(openInChat);
  }

  public CompletableFuture<Optional<Path>> openInEvaluate() {
    return withCheckpoint(openInEvaluate);
  }

  /** Resumes the first picked run if it did not finish. */
  public void resumePicked() {
    if (picked.isEmpty()) {
      error.set("Pick a run to resume");
    } else if (picked.get(0).status().equals("SUCCEEDED")) {
      error.set("Run " + picked.get(0).id() + " has finished; nothing to resume");
    } else {
      onResume.accept(picked.get(0).id());
    }
  }

  private CompletableFuture<Optional<Path>> withCheckpoint(Consumer<Path> hook) {
    if (picked.isEmpty()) {
      error.set("Pick a run first");
      return CompletableFuture.completedFuture(Optional.empty());
    }
    long id = picked.get(0).id();
    return BackgroundTask.wrap(() -> workbench.runs().latestCheckpoint(id))
        .onSuccess(p -> {
          if (p.isEmpty()) {
            error.set("Run " + id + " has no checkpoint yet");
          } else {
            error.set("");
            hook.accept(p.get());
          }
        }).onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future();
  }

  public ObservableList<Run> runs() {
    return runs;
  }

  /** The runs whose curves are overlaid. */
  public ObservableList<Run> picked() {
    return picked;
  }

  public ObservableList<String> metricNames() {
    return metricNames;
  }

  public StringProperty metricProperty() {
    return metric;
  }

  /** Series name -> points of the chosen metric, one series per picked run. */
  public ObjectProperty<Map<String, List<Point>>> curvesProperty() {
    return curves;
  }

  public StringProperty errorProperty() {
    return error;
  }
}
