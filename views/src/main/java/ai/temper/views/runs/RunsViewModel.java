package ai.temper.views.runs;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.Fx;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.engine.train.TrainingRuns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** The Runs page: all runs, and the curves of the runs picked, overlaid. */
public final class RunsViewModel {
  private final Workbench workbench;
  private final ObservableList<Run> runs = FXCollections.observableArrayList();
  private final ObservableList<Run> picked = FXCollections.observableArrayList();
  private final ObservableList<String> metricNames = FXCollections.observableArrayList();
  private final StringProperty metric = new SimpleStringProperty("loss");
  private final ObjectProperty<Map<String, List<Point>>> curves =
      new SimpleObjectProperty<>(Map.of());
  private final StringProperty error = new SimpleStringProperty("");
  private long curveRequests;
  private Consumer<Path> openInChat = p -> {};
  private Consumer<Path> openInEvaluate = p -> {};
  private LongConsumer onResume = id -> {};

  public RunsViewModel(Workbench workbench) {
    this.workbench = workbench;
    picked.addListener((javafx.collections.ListChangeListener<Run>) c -> loadCurves());
    metric.addListener((obs, old, now) -> loadCurves());
  }

  /** Reloads the run list from the database, off the FX thread. */
  public void refresh() {
    Fx.load(workbench.jobs(), () -> workbench.db().runs().list(), runs::setAll,
        e -> error.set(e.getMessage()));
  }

  private void loadCurves() {
    String name = metric.get();
    if (name == null) {
      return; // the metric box is between values while its choices change
    }
    List<Run> chosen = new ArrayList<>(picked);
    long request = ++curveRequests;
    Fx.load(workbench.jobs(), () -> {
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
    }, result -> {
      if (request != curveRequests) {
        return; // a newer request is on its way: answers may come back out of order
      }
      if (!metricNames.equals(result.getKey())) {
        metricNames.setAll(result.getKey());
        if (!name.equals(metric.get())) {
          metric.set(name); // new choices must not change the metric shown
          return;
        }
      }
      curves.set(result.getValue());
    }, e -> error.set(e.getMessage()));
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

  /** The newest complete checkpoint of the first picked run, if any. */
  public Optional<Path> pickedCheckpoint() {
    if (picked.isEmpty()) {
      return Optional.empty();
    }
    return new TrainingRuns(workbench).latestCheckpoint(picked.get(0).id());
  }

  public void openInChat() {
    withCheckpoint(openInChat);
  }

  public void openInEvaluate() {
    withCheckpoint(openInEvaluate);
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

  private void withCheckpoint(Consumer<Path> hook) {
    Optional<Path> p = pickedCheckpoint();
    if (p.isEmpty()) {
      error.set(picked.isEmpty() ? "Pick a run first" : "Run " + picked.get(0).id()
          + " has no checkpoint yet");
    } else {
      error.set("");
      hook.accept(p.get());
    }
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
