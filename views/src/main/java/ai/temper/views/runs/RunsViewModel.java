package ai.temper.views.runs;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.CheckpointRepository.CheckpointRow;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.Fx;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.engine.train.TrainingRuns;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Locale;
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
import javafx.collections.ObservableMap;

/**
 * The Runs page: all runs (with their tags), the curves of the runs picked, overlaid, and the
 * details of the first picked run (config, data, checkpoints, failure reason) with its name and
 * tags to edit. A refresh keeps the runs picked.
 */
public final class RunsViewModel {
  /** What the details pane shows of one run. */
  public record Details(Run run, List<String> tags, List<CheckpointRow> checkpoints) {
    /** "3 checkpoints, newest step 40 at /..." or "no checkpoint yet". */
    public String checkpointText() {
      if (checkpoints.isEmpty()) {
        return "No checkpoint yet";
      }
      StringBuilder sb = new StringBuilder();
      for (CheckpointRow c : checkpoints) {
        sb.append("step ").append(c.step()).append("  ").append(c.path()).append('\n');
      }
      return sb.toString().strip();
    }
  }

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM);

  private final Workbench workbench;
  private final ObservableList<Run> runs = FXCollections.observableArrayList();
  private final ObservableList<Run> picked = FXCollections.observableArrayList();
  private final ObservableList<String> metricNames = FXCollections.observableArrayList();
  private final StringProperty metric = new SimpleStringProperty("loss");
  private final ObjectProperty<Map<String, List<Point>>> curves =
      new SimpleObjectProperty<>(Map.of());
  private final StringProperty error = new SimpleStringProperty("");
  private final ObjectProperty<Details> details = new SimpleObjectProperty<>();
  private final StringProperty name = new SimpleStringProperty("");
  private final StringProperty tags = new SimpleStringProperty("");
  private final ObservableMap<Long, List<String>> allTags = FXCollections.observableHashMap();
  private Consumer<List<Long>> reselect = ids -> {};
  private boolean refreshing;
  private long curveRequests;
  private long detailRequests;
  private Consumer<Path> openInChat = p -> {};
  private Consumer<Path> openInEvaluate = p -> {};
  private LongConsumer onResume = id -> {};

  public RunsViewModel(Workbench workbench) {
    this.workbench = workbench;
    picked.addListener((javafx.collections.ListChangeListener<Run>) c -> {
      error.set(""); // a message about the runs picked before no longer applies
      loadCurves();
      loadDetails();
    });
    metric.addListener((obs, old, now) -> loadCurves());
  }

  /** A run's time in the user's locale and time zone; "" when not set. */
  public static String formatTime(Instant t) {
    return t == null ? "" : TIME.withLocale(Locale.getDefault())
        .format(t.atZone(ZoneId.systemDefault()));
  }

  /**
   * Reloads the run list from the database, off the FX thread. The runs picked stay picked
   * (the view selects them again through {@link #setReselect}), so their curves stay.
   */
  public void refresh() {
    Fx.load(workbench.jobs(), () -> Map.entry(workbench.db().runs().list(),
        workbench.db().runs().allTags()), result -> {
          List<Long> ids = picked.stream().map(Run::id).toList();
          allTags.clear();
          allTags.putAll(result.getValue());
          refreshing = true;
          try {
            runs.setAll(result.getKey());
            reselect.accept(ids);
          } finally {
            refreshing = false;
          }
          List<Run> again = new ArrayList<>();
          for (long id : ids) {
            runs.stream().filter(r -> r.id() == id).findFirst().ifPresent(again::add);
          }
          picked.setAll(again);
        }, e -> error.set(e.getMessage()));
  }

  /** True while a refresh replaces the rows: selection changes then are not the user's. */
  public boolean isRefreshing() {
    return refreshing;
  }

  /** How the view selects the runs with these ids again after a refresh. */
  public void setReselect(Consumer<List<Long>> reselect) {
    this.reselect = reselect == null ? ids -> {} : reselect;
  }

  /** Tags by run id, for the table. */
  public ObservableMap<Long, List<String>> allTags() {
    return allTags;
  }

  private void loadDetails() {
    long request = ++detailRequests;
    if (picked.isEmpty()) {
      details.set(null);
      name.set("");
      tags.set("");
      return;
    }
    long id = picked.get(0).id();
    Fx.load(workbench.jobs(), () -> new Details(workbench.db().runs().find(id).orElseThrow(),
        workbench.db().runs().tags(id), workbench.db().checkpoints().forRun(id)), d -> {
          if (request == detailRequests) {
            details.set(d);
            name.set(d.run().name() == null ? "" : d.run().name());
            tags.set(String.join(", ", d.tags()));
          }
        }, e -> error.set(e.getMessage()));
  }

  /** Saves the name and tags typed for the first picked run. */
  public void saveDetails() {
    Details d = details.get();
    if (d == null) {
      error.set("Pick a run first");
      return;
    }
    String n = name.get() == null ? "" : name.get().strip();
    if (n.isEmpty()) {
      error.set("A run needs a name");
      return;
    }
    List<String> t = List.of((tags.get() == null ? "" : tags.get()).split(","));
    long id = d.run().id();
    Fx.load(workbench.jobs(), () -> {
      workbench.db().runs().rename(id, n);
      workbench.db().runs().setTags(id, t);
      return id;
    }, done -> {
      error.set("");
      refresh();
    }, e -> error.set(e.getMessage()));
  }

  /** The first picked run's details; null when none is picked. */
  public ObjectProperty<Details> detailsProperty() {
    return details;
  }

  /** The name field of the details pane. */
  public StringProperty nameProperty() {
    return name;
  }

  /** The tags field of the details pane, comma-separated. */
  public StringProperty tagsProperty() {
    return tags;
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
    } else if (picked.get(0).status().equals("RUNNING")) {
      error.set("Run " + picked.get(0).id() + " is training now");
    } else {
      error.set("");
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
