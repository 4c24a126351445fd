package ai.temper.views.evaluate;

import ai.temper.engine.Workbench;
import ai.temper.engine.eval.EvalSuite;
import ai.temper.engine.eval.Evaluator;
import ai.temper.engine.eval.ResultTable;
import ai.temper.engine.eval.ResultTable.Filter;
import ai.temper.engine.eval.ResultTable.Pair;
import ai.temper.engine.eval.ResultTable.Row;
import ai.temper.engine.eval.ResultTable.TaskKey;
import ai.temper.engine.recipe.StarterSamples;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;

/**
 * The Evaluate page: stored results as models/checkpoints by tasks, bars of the picked
 * checkpoints with their 95% bootstrap intervals, a task's value over a run's checkpoints, and
 * the drill-down to instances of one task as two checkpoints answered them.
 */
public final class EvaluateViewModel implements Lifecycle {
  /** One bar: a model's value on a task, with its interval (nullable). */
  public record Bar(String model, String task, double value, Double low, Double high,
      boolean unseen) {}

  private final Workbench workbench;
  private final TaskExecutor tasks;
  private final ObservableList<Row> rows = FXCollections.observableArrayList();
  private final ObservableList<TaskKey> taskKeys = FXCollections.observableArrayList();
  private final ObservableList<Row> picked = FXCollections.observableArrayList();
  private final ObjectProperty<List<Bar>> bars = new SimpleObjectProperty<>(List.of());
  private final ObservableList<Long> runs = FXCollections.observableArrayList();
  private final ObjectProperty<Long> run = new SimpleObjectProperty<>();
  private final ObjectProperty<Map<String, List<Point>>> runCurves =
      new SimpleObjectProperty<>(Map.of());
  private final ObjectProperty<TaskKey> drillTask = new SimpleObjectProperty<>();
  private final ObjectProperty<Row> drillA = new SimpleObjectProperty<>();
  private final ObjectProperty<Row> drillB = new SimpleObjectProperty<>();
  private final ObjectProperty<Filter> filter = new SimpleObjectProperty<>(Filter.DIFFER);
  private final ObservableList<Pair> pairs = FXCollections.observableArrayList();
  private final StringProperty error = new SimpleStringProperty("");
  private final StringProperty status = new SimpleStringProperty("");
  private ResultTable table = ResultTable.of(List.of());
  private final ObservableList<String> modelChoices = FXCollections.observableArrayList();
  private final ObservableList<String> suiteChoices = FXCollections.observableArrayList();
  private final javafx.beans.property.BooleanProperty running =
      new javafx.beans.property.SimpleBooleanProperty();
  private final javafx.beans.property.DoubleProperty progress =
      new javafx.beans.property.SimpleDoubleProperty(-1);
  private TaskHandle<?> drillLoad;
  /** A message to show once the next refresh lands (an evaluation's summary). */
  private String afterShow;
  private volatile CompletableFuture<ResultTable> shownAfterEvaluation;
  private TaskHandle<Evaluator.SuiteOutcome> evaluation;
  private Path focus;
  private volatile List<String> homeSuites = List.of();

  public EvaluateViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public EvaluateViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
    picked.addListener((ListChangeListener<Row>) c -> updateBars());
    run.addListener((obs, old, now) -> updateRunCurves());
    drillTask.addListener((obs, old, now) -> loadDrill());
    drillA.addListener((obs, old, now) -> loadDrill());
    drillB.addListener((obs, old, now) -> loadDrill());
    filter.addListener((obs, old, now) -> loadDrill());
  }

  @Override
  public void activate() {
    refresh();
  }

  /** Reloads every stored result (and the models and suites to run), off the FX thread. */
  public CompletableFuture<ResultTable> refresh() {
    return BackgroundTask.wrap(() -> {
      List<String> models = new ArrayList<>();
      workbench.models().list().forEach(m -> models.add(m.name()));
      // the home's suites (the starter world's) before the built-in ones
      homeSuites = StarterSamples.suites(workbench.home()).stream().map(Path::toString)
          .toList();
      return Map.entry(models, workbench.evaluations().table());
    }).onSuccess(r -> {
      modelChoices.setAll(r.getKey());
      List<String> suites = new ArrayList<>(homeSuites);
      suites.addAll(EvalSuite.builtinNames());
      if (!suiteChoices.equals(suites)) {
        suiteChoices.setAll(suites);
      }
      show(r.getValue());
    }).onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future()
        .thenApply(Map.Entry::getValue);
  }

  /**
   * Runs {@code suite} on {@code model} as a job (progress here and in the status bar,
   * cancellable); stored results show up when it ends. Unseen tasks only when asked for.
   */
  public CompletableFuture<Evaluator.SuiteOutcome> evaluate(String model, String suite,
      boolean includeUnseen, Integer limit) {
    if (model == null || model.isBlank() || suite == null || suite.isBlank()) {
      error.set("Choose a model and a suite to evaluate");
      return CompletableFuture.completedFuture(null);
    }
    if (running.get()) {
      error.set("An evaluation is running; cancel it or wait");
      return CompletableFuture.completedFuture(null);
    }
    Evaluator.Options o = Evaluator.Options.defaults().withIncludeUnseen(includeUnseen)
        .withLimit(limit);
    evaluation = BackgroundTask.job("eval", "Evaluate " + model + " on " + suite,
        ctx -> workbench.evaluations().run(model.strip(), EvalSuite.resolve(suite.strip()), o,
            ctx))
        .onRunning(() -> {
          running.set(true);
          progress.set(-1);
          error.set("");
        })
        .onProgress(p -> {
          progress.set(p.fraction());
          status.set(p.message());
        })
        .onSuccess(r -> {
          long failed = r.tasks().stream()
              .filter(t -> t.status() == Evaluator.Status.FAILED).count();
          long reused = r.tasks().stream()
              .filter(t -> t.status() == Evaluator.Status.REUSED).count();
          afterShow = "Evaluated " + r.model() + " on " + r.suite() + ": "
              + r.tasks().size() + " tasks, " + reused + " reused"
              + (failed > 0 ? ", " + failed + " failed" : "");
          status.set(afterShow);
          r.tasks().stream().filter(t -> t.status() == Evaluator.Status.FAILED).findFirst()
              .ifPresent(t -> error.set(t.task().name() + ": " + t.error()));
          shownAfterEvaluation = refresh();
        })
        .onCancelled(() -> status.set("Evaluation cancelled; finished tasks are kept"))
        .onFailure(e -> error.set(e.getMessage()))
        .onFinished(() -> running.set(false))
        .executeWith(tasks);
    // complete once the stored results are on the page, not just computed: callers (and tests)
    // then see the table and status the user sees
    return evaluation.future().thenCompose(r -> {
      CompletableFuture<ResultTable> shown = shownAfterEvaluation;
      return shown == null ? CompletableFuture.completedFuture(r)
          : shown.handle((t, e) -> r);
    });
  }

  /** Stops the running evaluation after its current batch. */
  public void cancelEvaluation() {
    if (evaluation != null) {
      evaluation.cancel();
    }
  }

  private void show(ResultTable t) {
    table = t;
    List<String> keepPicked = picked.stream().map(r -> r.model().label()).toList();
    taskKeys.setAll(t.tasks());
    rows.setAll(t.rows());
    List<Row> again = new ArrayList<>();
    for (Row r : t.rows()) {
      if (keepPicked.contains(r.model().label())) {
        again.add(r);
      }
    }
    picked.setAll(again);
    TreeSet<Long> runIds = new TreeSet<>();
    for (Row r : t.rows()) {
      if (r.model().runId() != null) {
        runIds.add(r.model().runId());
      }
    }
    runs.setAll(runIds);
    if (run.get() == null || !runIds.contains(run.get())) {
      run.set(runIds.isEmpty() ? null : runIds.last());
    } else {
      updateRunCurves();
    }
    drillA.set(find(drillA.get()));
    drillB.set(find(drillB.get()));
    if (drillTask.get() == null || !t.tasks().contains(drillTask.get())) {
      drillTask.set(t.tasks().isEmpty() ? null : t.tasks().get(0));
    }
    error.set("");
    status.set(afterShow != null ? afterShow
        : t.rows().size() + " models/checkpoints, " + t.tasks().size() + " tasks");
    afterShow = null;
    applyFocus();
  }

  private Row find(Row r) {
    if (r == null) {
      return null;
    }
    return rows.stream().filter(x -> x.model().equals(r.model())).findFirst().orElse(null);
  }

  private void updateBars() {
    List<Bar> out = new ArrayList<>();
    for (Row r : picked) {
      for (TaskKey t : taskKeys) {
        Result c = r.cells().get(t);
        if (c != null) {
          out.add(new Bar(r.model().label(), t.label(), c.value(), c.ciLow(), c.ciHigh(),
              t.unseen()));
        }
      }
    }
    bars.set(out);
    // the drill-down compares the first two picked checkpoints
    if (picked.size() >= 2) {
      drillA.set(picked.get(0));
      drillB.set(picked.get(1));
    } else if (picked.size() == 1) {
      drillA.set(picked.get(0));
    }
  }

  private void updateRunCurves() {
    Long id = run.get();
    Map<String, List<Point>> out = new LinkedHashMap<>();
    if (id != null) {
      for (TaskKey t : taskKeys) {
        List<Point> pts = new ArrayList<>();
        for (Row r : table.runRows(id)) {
          Result c = r.cells().get(t);
          if (c != null && r.model().step() != null) {
            pts.add(new Point(r.model().step(), c.value()));
          }
        }
        if (!pts.isEmpty()) {
          out.put(t.label() + " " + t.metric(), pts);
        }
      }
    }
    runCurves.set(out);
  }

  /**
   * Loads the drill-down: the chosen task's instances of A and B side by side, filtered; a
   * newer request cancels an older one.
   */
  CompletableFuture<?> loadDrill() {
    if (drillLoad != null) {
      drillLoad.cancel();
    }
    TaskKey t = drillTask.get();
    Row a = drillA.get();
    Row b = drillB.get();
    Filter f = filter.get();
    if (t == null || a == null || a.cells().get(t) == null) {
      pairs.clear();
      return CompletableFuture.completedFuture(null);
    }
    long ra = a.cells().get(t).id();
    Long rb = b == null || b.cells().get(t) == null ? null : b.cells().get(t).id();
    drillLoad = BackgroundTask.wrap(() -> workbench.evaluations().compare(ra, rb, f))
        .onSuccess(pairs::setAll).onCancelled(() -> {})
        .onFailure(e -> error.set(e.getMessage())).executeWith(tasks);
    return drillLoad.future();
  }

  /** Writes the table as CSV (values and 95% intervals; unseen columns marked). */
  public CompletableFuture<Path> exportCsv(Path file) {
    String csv = table.toCsv();
    return BackgroundTask.wrap(() -> {
      Files.writeString(file, csv, StandardCharsets.UTF_8);
      return file;
    }).onSuccess(p -> status.set("Wrote " + p))
        .onFailure(e -> error.set("Cannot write " + file + ": " + e.getMessage()))
        .executeWith(tasks).future();
  }

  /** Writes a chart as PNG, drawn off the FX thread (JFreeChart draws with Java2D). */
  public CompletableFuture<Path> exportPng(org.jfree.chart.JFreeChart chart, Path file,
      int width, int height) {
    return BackgroundTask.wrap(() -> {
      try {
        org.jfree.chart.ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
      } catch (IOException e) {
        throw new IOException(e.getMessage(), e);
      }
      return file;
    }).onSuccess(p -> status.set("Wrote " + p))
        .onFailure(e -> error.set("Cannot write " + file + ": " + e.getMessage()))
        .executeWith(tasks).future();
  }

  /**
   * "Open in Evaluate" from the Runs page: shows that checkpoint's run over its checkpoints
   * and picks the checkpoint (once its results are loaded).
   */
  public CompletableFuture<ResultTable> openCheckpoint(Path checkpoint) {
    focus = checkpoint == null ? null : checkpoint.toAbsolutePath().normalize();
    return refresh();
  }

  private void applyFocus() {
    if (focus == null) {
      return;
    }
    String want = focus.toString();
    for (Row r : rows) {
      if (Objects.equals(r.model().path(), want)) {
        picked.setAll(r);
        if (r.model().runId() != null) {
          run.set(r.model().runId());
        }
        focus = null;
        return;
      }
    }
    status.set("No stored results for " + want + " yet: run temper eval --model " + want
        + " --suite NAME, or set eval_suite in the run's config");
    focus = null;
  }

  public ObservableList<String> modelChoices() {
    return modelChoices;
  }

  public ObservableList<String> suiteChoices() {
    return suiteChoices;
  }

  public javafx.beans.property.ReadOnlyBooleanProperty runningProperty() {
    return running;
  }

  public javafx.beans.property.ReadOnlyDoubleProperty progressProperty() {
    return progress;
  }

  public ObservableList<Row> rows() {
    return rows;
  }

  public ObservableList<TaskKey> taskKeys() {
    return taskKeys;
  }

  public ObservableList<Row> picked() {
    return picked;
  }

  public ObjectProperty<List<Bar>> barsProperty() {
    return bars;
  }

  public ObservableList<Long> runs() {
    return runs;
  }

  public ObjectProperty<Long> runProperty() {
    return run;
  }

  public ObjectProperty<Map<String, List<Point>>> runCurvesProperty() {
    return runCurves;
  }

  public ObjectProperty<TaskKey> drillTaskProperty() {
    return drillTask;
  }

  public ObjectProperty<Row> drillAProperty() {
    return drillA;
  }

  public ObjectProperty<Row> drillBProperty() {
    return drillB;
  }

  public ObjectProperty<Filter> filterProperty() {
    return filter;
  }

  public ObservableList<Pair> pairs() {
    return pairs;
  }

  public StringProperty errorProperty() {
    return error;
  }

  public StringProperty statusProperty() {
    return status;
  }
}
