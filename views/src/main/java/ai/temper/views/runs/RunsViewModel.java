package ai.temper.views.runs;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.CheckpointRepository.CheckpointRow;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import javafx.collections.ObservableMap;

/**
 * The Runs page: all runs (with their tags), the curves of the runs picked, overlaid, and the
 * details of the first picked run (config, data, checkpoints, failure reason) with its name and
 * tags to edit. A refresh keeps the runs picked, so their curves stay when a run finishes.
 */
public final class RunsViewModel implements Lifecycle {
  /** What the details pane shows of one run. */
  public record Details(Run run, List<String> tags, List<CheckpointRow> checkpoints) {
    /** One line per checkpoint ("step 40  /home/.../step-40"), or "No checkpoint yet". */
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
      DateTimeFormatter.ofLocalizedDateTime(FormatStyle.SHORT);

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
  private TaskHandle<?> detailLoad;
  private final ObjectProperty<Details> details = new SimpleObjectProperty<>();
  private final StringProperty name = new SimpleStringProperty("");
  private final StringProperty tags = new SimpleStringProperty("");
  private final ObservableMap<Long, List<String>> allTags = FXCollections.observableHashMap();
  private Consumer<List<Long>> reselect = ids -> {};
  private boolean refreshing;
  private Long showNext;
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

  @Override
  public void activate() {
    refresh();
  }

  /** How long a run took ("42 s", "6 min", "2.5 h"); "" until it has ended. */
  public static String formatDuration(Instant start, Instant end) {
    if (start == null || end == null) {
      return "";
    }
    long s = Math.max(0, java.time.Duration.between(start, end).toSeconds());
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return (s / 60) + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", s / 3600.0);
  }

  /**
   * Reloads the run list (and tags) from the database, off the FX thread. The runs picked stay
   * picked (the view selects them again through {@link #setReselect}), so their curves stay.
   */
  public CompletableFuture<List<Run>> refresh() {
    return BackgroundTask.wrap(() -> Map.entry(workbench.runs().list(),
        workbench.runs().allTags())).onSuccess(result -> {
          List<Long> ids = showNext != null ? List.of(showNext)
              : picked.stream().map(Run::id).toList();
          showNext = null;
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
          if (!again.equals(picked)) {
            picked.setAll(again);
          } else if (!again.isEmpty()) {
            loadCurves(); // same runs, newer points
            loadDetails();
          }
        }).onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future()
        .thenApply(Map.Entry::getKey);
  }

  /** Reloads the runs and picks run {@code id} alone (a recipe stage's run). */
  public CompletableFuture<List<Run>> show(long id) {
    showNext = id;
    return refresh();
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

  CompletableFuture<?> loadDetails() {
    if (detailLoad != null) {
      detailLoad.cancel();
    }
    if (picked.isEmpty()) {
      details.set(null);
      name.set("");
      tags.set("");
      return CompletableFuture.completedFuture(null);
    }
    long id = picked.get(0).id();
    detailLoad = BackgroundTask.wrap(() -> new Details(
        workbench.runs().find(id), workbench.runs().tags(id),
        workbench.runs().checkpoints(id))).onSuccess(d -> {
          details.set(d);
          name.set(d.run().name() == null ? "" : d.run().name());
          tags.set(String.join(", ", d.tags()));
        }).onCancelled(() -> {}).onFailure(e -> error.set(e.getMessage())).executeWith(tasks);
    return detailLoad.future();
  }

  /** Saves the name and tags typed for the first picked run. */
  public CompletableFuture<?> saveDetails() {
    Details d = details.get();
    if (d == null) {
      error.set("Pick a run first");
      return CompletableFuture.completedFuture(null);
    }
    String n = name.get() == null ? "" : name.get().strip();
    if (n.isEmpty()) {
      error.set("A run needs a name");
      return CompletableFuture.completedFuture(null);
    }
    List<String> t = List.of((tags.get() == null ? "" : tags.get()).split(","));
    long id = d.run().id();
    return BackgroundTask.wrap(() -> {
      workbench.runs().describe(id, n, t);
    }).onSuccess(v -> error.set("")).onFailure(e -> error.set(e.getMessage()))
        .executeWith(tasks).future().thenCompose(v -> refresh());
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
        names.addAll(workbench.runs().metricNames(r.id()));
        List<Point> pts = new ArrayList<>();
        for (Metric m : workbench.runs().metric(r.id(), name)) {
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
    } else if (picked.get(0).status() == RunStatus.SUCCEEDED) {
      error.set("Run " + picked.get(0).id() + " has finished; nothing to resume");
    } else if (picked.get(0).status() == RunStatus.RUNNING) {
      error.set("Run " + picked.get(0).id() + " is training now");
    } else {
      error.set("");
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
