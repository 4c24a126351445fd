package ai.temper.views.train;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.store.ModelKind;
import ai.temper.engine.train.ConfigField;
import ai.temper.engine.train.ConfigField.BadValue;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainListener;
import ai.temper.engine.train.TrainResult;
import ai.temper.engine.train.TrainingRuns;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.GuiText;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Train page without its window: the algorithm, base model and data, the hyperparameters
 * as property-sheet items with their defaults, and the run that is training, whose metrics
 * arrive as points for the live curves. Training runs through the workbench's job runner,
 * followed as a {@link BackgroundTask}; the run's metrics reach the FX thread through the
 * task executor's UI executor.
 */
public final class TrainViewModel implements Lifecycle {
  /** One logged value of the current run, for the charts. */
  public record MetricPoint(String name, int step, double value) {}

  private final Workbench workbench;
  private final TaskExecutor tasks;
  private final TrainingRuns runs;
  private final TrainListener listener;
  private final ObjectProperty<TrainKind> kind = new SimpleObjectProperty<>(TrainKind.SFT);
  private final StringProperty model = new SimpleStringProperty("");
  private final StringProperty data = new SimpleStringProperty("");
  private final ObservableList<FieldItem> items = FXCollections.observableArrayList();
  private final ObservableList<MetricPoint> points = FXCollections.observableArrayList();
  private final ObservableList<String> datasetNames = FXCollections.observableArrayList();
  private final ObservableList<String> modelNames = FXCollections.observableArrayList();
  private final StringProperty status = new SimpleStringProperty("Ready");
  private final StringProperty error = new SimpleStringProperty("");
  private final DoubleProperty progress = new SimpleDoubleProperty(0);
  private final BooleanProperty running = new SimpleBooleanProperty(false);
  private final BooleanProperty resumable = new SimpleBooleanProperty(false);
  private final LongProperty runId = new SimpleLongProperty(-1);
  private volatile TaskHandle<TrainResult> task;
  private Consumer<Path> onFinished = p -> {};

  public TrainViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public TrainViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
    this.runs = workbench.runs();
    listener = new TrainListener() {
      @Override
      public void onMetrics(long id, int step, int totalSteps, Map<String, Double> metrics) {
        tasks.ui().execute(() -> {
          if (id == runId.get()) {
            metrics.forEach((k, v) -> points.add(new MetricPoint(k, step, v)));
            progress.set(totalSteps == 0 ? 0 : (double) step / totalSteps);
          }
        });
      }

      @Override
      public void onLog(long id, String line) {
        tasks.ui().execute(() -> {
          if (id == runId.get()) {
            status.set(line);
          }
        });
      }
    };
    runs.addListener(listener);
    kind.addListener((obs, old, now) -> {
      rebuildItems();
      refresh();
    });
    // a message about the form as it was no longer applies once the form changes
    kind.addListener((obs, old, now) -> error.set(""));
    model.addListener((obs, old, now) -> error.set(""));
    data.addListener((obs, old, now) -> error.set(""));
    rebuildItems();
  }

  @Override
  public void activate() {
    refresh();
  }

  /** The window closes: a run in progress is cancelled (it saves a checkpoint first). */
  @Override
  public void close() {
    cancel();
    runs.removeListener(listener);
  }

  /**
   * Reloads the workbench datasets this algorithm can train on and the library's models (off
   * the FX thread).
   */
  public CompletableFuture<Void> refresh() {
    String wanted = kind.get().datasetKind();
    CompletableFuture<List<String>> datasets = BackgroundTask.wrap(() -> workbench
        .datasets().list(DatasetKind.of(wanted)).stream().map(d -> d.name()).toList())
        .onSuccess(datasetNames::setAll).onFailure(e -> error.set(e.getMessage()))
        .executeWith(tasks).future();
    CompletableFuture<List<String>> models = BackgroundTask.wrap(() -> workbench.models()
        .list().stream().filter(m -> m.kind() != ModelKind.ADAPTER)
        .map(m -> m.name()).toList()).onSuccess(modelNames::setAll)
        .onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future();
    return CompletableFuture.allOf(datasets, models);
  }

  /** Models of the library (bases and checkpoints) to start from. */
  public ObservableList<String> modelNames() {
    return modelNames;
  }

  /** Adds all of a dataset (or file) to the mix. */
  public void addData(String nameOrPath) {
    if (nameOrPath == null || nameOrPath.isBlank()) {
      return;
    }
    String now = data.get();
    data.set((now == null || now.isBlank() ? "" : now.strip() + ",") + nameOrPath + ",1.0");
  }

  /** Workbench datasets of the kind the chosen algorithm reads. */
  public ObservableList<String> datasetNames() {
    return datasetNames;
  }

  /** The property-sheet rows of the chosen algorithm, with its defaults. */
  private void rebuildItems() {
    TrainConfig d = TrainConfig.defaults(kind.get());
    items.clear();
    for (ConfigField f : TrainConfig.fields(kind.get())) {
      if (f.name().equals(TrainConfig.MODEL) || f.name().equals(TrainConfig.MIXER_LIST)) {
        continue; // chosen above the sheet
      }
      items.add(new FieldItem(f, d.get(f.name()), error::set));
    }
  }

  /** The row of field {@code name}. */
  public FieldItem item(String name) {
    for (FieldItem i : items) {
      if (i.getName().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no field " + name);
  }

  /** The config the form describes; errors name the field. */
  public TrainConfig config() {
    TrainConfig c = TrainConfig.defaults(kind.get());
    String m = model.get() == null ? "" : model.get().strip();
    c = c.withText(TrainConfig.MODEL, m);
    c = c.withText(TrainConfig.MIXER_LIST, data.get() == null ? "" : data.get());
    if (c.datasetMixerList().isEmpty()) {
      throw new TemperException("Choose the training data (dataset_mixer_list): a dataset "
          + "name or JSONL file, with a fraction or count");
    }
    for (FieldItem i : items) {
      try {
        c = c.with(i.getName(), i.typedValue());
      } catch (BadValue e) {
        throw new TemperException("Config field '" + i.getName() + "': " + e.getMessage());
      }
    }
    c.validate();
    return c.resolvePaths(null);
  }

  /** Creates the run and starts it as a job; false (with the error shown) if the form is bad. */
  public boolean start() {
    if (running.get()) {
      return false;
    }
    TrainConfig c;
    try {
      c = config();
    } catch (TemperException e) {
      error.set(GuiText.of(e.getMessage()));
      return false;
    }
    TrainConfig config = c;
    running.set(true); // until the run is created and launched, nothing else may start
    status.set("Creating the run");
    // create checks the model and the data first: a config error is one message and no run
    BackgroundTask.wrap(() -> runs.create(config)).onSuccess(this::launch).onFailure(e -> {
      running.set(false);
      status.set("Not started");
      error.set(GuiText.of(e.getMessage()));
    }).executeWith(tasks);
    return true;
  }

  /** Continues the current run (or {@code id}) from its last checkpoint. */
  public void resume() {
    if (!running.get() && runId.get() >= 0) {
      launch(runId.get());
    }
  }

  /**
   * Shows run {@code id} that another job trains (a recipe's stage): the curves it stored, then
   * its metrics live as it reports them. A run this page is training is not left for it.
   */
  public CompletableFuture<List<MetricPoint>> watch(long id) {
    if (running.get()) {
      error.set("Run " + runId.get() + " is training here; it stays on this page");
      return CompletableFuture.completedFuture(List.of());
    }
    error.set("");
    points.clear();
    progress.set(-1);
    runId.set(id);
    resumable.set(false);
    status.set("Following run " + id + ", trained by a recipe (Recipes page)");
    return BackgroundTask.wrap(() -> storedPoints(id)).onSuccess(before -> {
      if (runId.get() == id && !before.isEmpty()) {
        points.addAll(0, before);
      }
    }).executeWith(tasks).future();
  }

  private List<MetricPoint> storedPoints(long id) {
    List<MetricPoint> before = new java.util.ArrayList<>();
    for (String name : workbench.runs().metricNames(id)) {
      for (var m : workbench.runs().metric(id, name)) {
        before.add(new MetricPoint(name, (int) m.step(), m.value()));
      }
    }
    return before;
  }

  public void resume(long id) {
    if (!running.get()) {
      launch(id);
    }
  }

  private void launch(long id) {
    error.set("");
    points.clear();
    progress.set(0);
    runId.set(id);
    running.set(true);
    resumable.set(false);
    status.set("Starting run " + id);
    // a resumed run's curves start with the steps it logged before
    BackgroundTask.wrap(() -> storedPoints(id)).onSuccess(before -> {
      if (runId.get() == id && !before.isEmpty()) {
        points.addAll(0, before);
      }
    }).executeWith(tasks);
    task = BackgroundTask.startJob(jobs -> runs.submit(id))
        .onSuccess(result -> {
          status.set("Run " + id + " finished: " + result.checkpoint());
          onFinished.accept(result.checkpoint());
        })
        .onCancelled(() -> {
          status.set("Run " + id + " cancelled; its last checkpoint is kept");
          resumable.set(true);
        })
        .onFailure(t -> {
          error.set(GuiText.of(t.getMessage()));
          status.set("Run " + id + " failed");
          resumable.set(true);
        })
        .onFinished(() -> running.set(false))
        .executeWith(tasks);
  }

  public void cancel() {
    TaskHandle<TrainResult> t = task;
    if (t != null && running.get()) {
      status.set("Cancelling: saving a checkpoint");
      t.cancel();
    }
  }

  /** Called with the final checkpoint when a run finishes (open it in Chat, ...). */
  public void setOnFinished(Consumer<Path> onFinished) {
    this.onFinished = onFinished == null ? p -> {} : onFinished;
  }

  /** Metric names worth a live curve for the chosen algorithm (besides loss). */
  public List<String> algorithmMetrics() {
    return switch (kind.get()) {
      case DPO -> List.of("rewards/margins", "rewards/accuracies", "eval_rewards/accuracies",
          "eval_rewards/margins");
      case RM -> List.of("accuracy", "eval_accuracy", "rewards/margins");
      case GRPO -> List.of("reward", "pass_rate", "eval_pass_rate", "kl", "clip_fraction",
          "entropy");
      case PPO -> List.of("reward", "rm_score", "eval_rm_score", "kl_per_sequence", "vf_loss",
          "pass_rate");
      default -> List.of("learning_rate", "grad_norm");
    };
  }

  /** The job of the run started last, once submitted; null before. */
  public JobHandle<TrainResult> job() {
    TaskHandle<TrainResult> t = task;
    return t == null ? null : t.job().orElse(null);
  }

  public ObjectProperty<TrainKind> kindProperty() {
    return kind;
  }

  public StringProperty modelProperty() {
    return model;
  }

  /** The dataset mix as text: {@code name_or_path,amount[,name_or_path,amount...]}. */
  public StringProperty dataProperty() {
    return data;
  }

  public ObservableList<FieldItem> items() {
    return items;
  }

  public ObservableList<MetricPoint> points() {
    return points;
  }

  public StringProperty statusProperty() {
    return status;
  }

  public StringProperty errorProperty() {
    return error;
  }

  public DoubleProperty progressProperty() {
    return progress;
  }

  public BooleanProperty runningProperty() {
    return running;
  }

  public BooleanProperty resumableProperty() {
    return resumable;
  }

  public LongProperty runIdProperty() {
    return runId;
  }

  public Workbench workbench() {
    return workbench;
  }
}
