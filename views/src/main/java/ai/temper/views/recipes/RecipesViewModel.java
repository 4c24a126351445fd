package ai.temper.views.recipes;

import ai.temper.engine.Workbench;
import ai.temper.engine.recipe.Recipe;
import ai.temper.engine.recipe.RecipeBook;
import ai.temper.engine.recipe.RecipeBook.Entry;
import ai.temper.engine.recipe.RecipeBook.StageState;
import ai.temper.engine.recipe.RecipeRunner;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.GuiText;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Recipes page: the home's recipe files (and those of stored runs), the picked recipe's
 * stages as a pipeline (done, running, waiting, failed, interrupted), and running or resuming
 * it as a job through the same {@link RecipeRunner} as {@code temper recipe run}: a rerun
 * skips finished stages and resumes an interrupted stage's run from its last checkpoint.
 */
public final class RecipesViewModel implements Lifecycle {
  /** How a stage is shown. */
  public enum Status {
    WAITING, RUNNING, DONE, FAILED, INTERRUPTED;

    static Status of(String stored, boolean runningNow) {
      return switch (stored) {
        case "DONE" -> DONE;
        case "FAILED" -> FAILED;
        case "RUNNING" -> runningNow ? RUNNING : INTERRUPTED;
        default -> WAITING;
      };
    }
  }

  /** One box of the pipeline. */
  public record StageItem(int index, String name, String algorithm, Status status, Long runId,
      String checkpoint, String error) {
    public boolean training() {
      return !algorithm.equals("eval") && !algorithm.equals("generate");
    }

    public boolean evaluation() {
      return algorithm.equals("eval");
    }
  }

  private final Workbench workbench;
  private final TaskExecutor tasks;
  private final RecipeBook book;
  private final ObservableList<Entry> recipes = FXCollections.observableArrayList();
  private final ObjectProperty<Entry> selected = new SimpleObjectProperty<>();
  private final ObservableList<StageItem> stages = FXCollections.observableArrayList();
  private final ObjectProperty<List<StageState>> stageStates =
      new SimpleObjectProperty<>(List.of());
  private final BooleanProperty running = new SimpleBooleanProperty();
  private final DoubleProperty progress = new SimpleDoubleProperty(-1);
  private final StringProperty status = new SimpleStringProperty("");
  private final StringProperty error = new SimpleStringProperty("");
  private final ObservableList<String> log = FXCollections.observableArrayList();
  private final List<Path> opened = new ArrayList<>();
  private final AtomicBoolean stagesPending = new AtomicBoolean();
  private LongConsumer onOpenRun = id -> { };
  private LongConsumer onFollowRun = id -> { };
  private Consumer<Path> onOpenEvaluation = p -> { };
  private Consumer<Long> onOpenResults = id -> { };
  private TaskHandle<RecipeRunner.Outcome> job;
  private Path runningFile;

  public RecipesViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public RecipesViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
    this.book = new RecipeBook(workbench);
    selected.addListener((obs, old, now) -> {
      if (now == null) {
        stages.clear();
      } else if (old == null || !old.file().equals(now.file())) {
        loadStages();
      } else {
        stages.setAll(items(now, stageStates.get()));
      }
    });
  }

  @Override
  public void activate() {
    refresh();
  }

  /** The window closes: a running recipe is cancelled (its stage's run saves a checkpoint). */
  @Override
  public void close() {
    cancel();
  }

  /** Reloads the recipe list and the picked recipe's stages (off the FX thread). */
  public CompletableFuture<List<Entry>> refresh() {
    List<Path> extra = List.copyOf(opened);
    Path keep = selected.get() == null ? null : selected.get().file();
    return BackgroundTask.wrap(() -> {
      List<Entry> all = book.list(extra);
      Entry pick = keep == null ? (all.isEmpty() ? null : all.get(0))
          : all.stream().filter(e -> e.file().equals(keep)).findFirst().orElse(null);
      List<StageState> st = pick == null ? List.of() : book.stages(pick);
      return new Listing(all, pick, st);
    }).onSuccess(l -> {
      recipes.setAll(l.all());
      stageStates.set(l.stages());
      selected.set(l.pick());
      if (l.pick() != null) {
        stages.setAll(items(l.pick(), l.stages()));
      }
    }).onFailure(e -> error.set(GuiText.of(e.getMessage()))).executeWith(tasks).future()
        .thenApply(Listing::all);
  }

  private record Listing(List<Entry> all, Entry pick, List<StageState> stages) {}

  /** Adds a recipe file from elsewhere to the list and picks it. */
  public CompletableFuture<List<Entry>> open(Path file) {
    Path p = file.toAbsolutePath().normalize();
    if (!opened.contains(p)) {
      opened.add(p);
    }
    return BackgroundTask.wrap(() -> book.entry(p)).onSuccess(e -> {
      if (e.error() != null) {
        error.set(GuiText.of(e.error()));
      }
    }).executeWith(tasks).future().thenCompose(e -> {
      CompletableFuture<List<Entry>> f = new CompletableFuture<>();
      tasks.ui().execute(() -> {
        selected.set(e);
        refresh().whenComplete((v, t) -> f.complete(v));
      });
      return f;
    });
  }

  /** Reloads the picked recipe's stages (its newest stored run). */
  public CompletableFuture<List<StageState>> loadStages() {
    Entry e = selected.get();
    if (e == null) {
      stages.clear();
      return CompletableFuture.completedFuture(List.of());
    }
    return BackgroundTask.wrap(() -> {
      Entry fresh = book.entry(e.file());
      return new Listing(List.of(fresh), fresh, book.stages(fresh));
    }).onSuccess(l -> {
      if (selected.get() != null && selected.get().file().equals(e.file())) {
        int i = recipes.indexOf(selected.get());
        stageStates.set(l.stages());
        if (i >= 0) {
          recipes.set(i, l.pick());
        }
        selected.set(l.pick());
        stages.setAll(items(l.pick(), l.stages()));
      }
    }).onFailure(t -> error.set(GuiText.of(t.getMessage()))).executeWith(tasks).future()
        .thenApply(Listing::stages);
  }

  private List<StageItem> items(Entry e, List<StageState> states) {
    boolean now = running.get() && e.file().equals(runningFile);
    List<StageItem> out = new ArrayList<>();
    for (StageState s : states) {
      out.add(new StageItem(s.index(), s.name(), s.algorithm(), Status.of(s.status(), now),
          s.runId(), s.checkpoint(), s.error()));
    }
    return out;
  }

  /**
   * Runs the picked recipe as a job, or resumes it: finished stages are skipped, an
   * interrupted stage's run continues from its last checkpoint. The pipeline follows the
   * runner's progress.
   */
  public CompletableFuture<RecipeRunner.Outcome> run() {
    Entry e = selected.get();
    if (e == null) {
      error.set("Pick a recipe to run");
      return CompletableFuture.completedFuture(null);
    }
    if (!e.valid()) {
      error.set(GuiText.of(e.error()));
      return CompletableFuture.completedFuture(null);
    }
    if (running.get()) {
      error.set("A recipe is running; cancel it or wait");
      return CompletableFuture.completedFuture(null);
    }
    Path file = e.file();
    runningFile = file;
    log.clear();
    job = BackgroundTask.job("recipe", "Recipe " + e.name(), ctx -> {
      Recipe r = Recipe.load(file);
      return new RecipeRunner(workbench, this::logged).run(r, ctx);
    })
        .onRunning(() -> {
          running.set(true);
          error.set("");
          progress.set(-1);
          status.set("Running " + e.name());
        })
        .onProgress(p -> {
          progress.set(p.fraction());
          if (!p.message().isEmpty()) {
            status.set(p.message());
          }
        })
        .onSuccess(o -> status.set(o.alreadyDone()
            ? "Recipe " + e.name() + " had finished (recipe #" + o.recipeId() + ")"
            : "Recipe " + e.name() + " finished (recipe #" + o.recipeId() + "); its results "
                + "are on the Evaluate page"))
        .onCancelled(() -> status.set("Cancelled; Run again resumes at the stage it stopped"))
        .onFailure(t -> {
          error.set(GuiText.of(t.getMessage()));
          status.set("Failed; fix the cause, then Run resumes at the failed stage");
        })
        .onFinished(() -> {
          running.set(false);
          loadStages();
        })
        .executeWith(tasks);
    return job.future();
  }

  /** A runner log line: kept for the page, and the stages reloaded (coalesced). */
  private void logged(String line) {
    tasks.ui().execute(() -> {
      log.add(line);
      if (log.size() > 500) {
        log.remove(0, log.size() - 500);
      }
    });
    if (stagesPending.compareAndSet(false, true)) {
      tasks.ui().execute(() -> {
        stagesPending.set(false);
        loadStages();
      });
    }
  }

  public void cancel() {
    TaskHandle<?> j = job;
    if (j != null && running.get()) {
      status.set("Cancelling: the stage's run saves a checkpoint");
      j.cancel();
    }
  }

  /**
   * A training stage's run: while it trains, live on the Train page; else on the Runs page
   * (curves, checkpoints, config).
   */
  public void openRun(StageItem s) {
    if (s != null && s.runId() != null) {
      (s.status() == Status.RUNNING ? onFollowRun : onOpenRun).accept(s.runId());
    }
  }

  public void setOnFollowRun(LongConsumer hook) {
    onFollowRun = Objects.requireNonNullElse(hook, id -> { });
  }

  /** An eval stage's model (or a training stage's checkpoint) on the Evaluate page. */
  public void openEvaluation(StageItem s) {
    if (s != null && s.checkpoint() != null) {
      onOpenEvaluation.accept(Path.of(s.checkpoint()));
    }
  }

  /** The picked recipe's results table on the Evaluate page. */
  public void openResults() {
    Entry e = selected.get();
    if (e != null && e.latest() != null) {
      onOpenResults.accept(e.latest().id());
    }
  }

  public void setOnOpenRun(LongConsumer hook) {
    onOpenRun = Objects.requireNonNullElse(hook, id -> { });
  }

  public void setOnOpenEvaluation(Consumer<Path> hook) {
    onOpenEvaluation = Objects.requireNonNullElse(hook, p -> { });
  }

  public void setOnOpenResults(Consumer<Long> hook) {
    onOpenResults = Objects.requireNonNullElse(hook, id -> { });
  }

  public ObservableList<Entry> recipes() {
    return recipes;
  }

  public ObjectProperty<Entry> selectedProperty() {
    return selected;
  }

  public ObservableList<StageItem> stages() {
    return stages;
  }

  public ObservableList<String> log() {
    return log;
  }

  public ReadOnlyBooleanProperty runningProperty() {
    return running;
  }

  public ReadOnlyDoubleProperty progressProperty() {
    return progress;
  }

  public ReadOnlyStringProperty statusProperty() {
    return status;
  }

  public ReadOnlyStringProperty errorProperty() {
    return error;
  }
}
