package ai.temper.views.welcome;

import ai.temper.engine.Workbench;
import ai.temper.engine.models.hub.SuggestedModel;
import ai.temper.engine.recipe.Recipe;
import ai.temper.engine.recipe.RecipeRunner;
import ai.temper.engine.recipe.StarterSamples;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.GuiText;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The welcome page: a new home's first actions. Load the samples (the starter story world
 * written and imported as datasets, its evaluation suite, the sample recipes) or build the
 * starter model (the pretraining stage of olmo-tiny as a recipe run), each a job with
 * progress; or go to the Models page to download a model or open one from disk.
 */
public final class WelcomeViewModel implements Lifecycle {
  private final Workbench workbench;
  private final TaskExecutor tasks;
  private final BooleanProperty samplesLoaded = new SimpleBooleanProperty();
  private final StringProperty starterModel = new SimpleStringProperty("");
  private final BooleanProperty busy = new SimpleBooleanProperty();
  private final DoubleProperty progress = new SimpleDoubleProperty(-1);
  private final StringProperty status = new SimpleStringProperty("");
  private final StringProperty error = new SimpleStringProperty("");
  private Consumer<String> onDownload = repo -> { };
  private Runnable onOpenFromDisk = () -> { };
  private Consumer<String> navigate = id -> { };
  private TaskHandle<?> job;

  public WelcomeViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public WelcomeViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
  }

  @Override
  public void activate() {
    refresh();
  }

  @Override
  public void close() {
    cancel();
  }

  /** Reads whether the samples are loaded and the starter model built (off the FX thread). */
  public CompletableFuture<Optional<String>> refresh() {
    return BackgroundTask.wrap(() -> new State(StarterSamples.loaded(workbench),
        StarterSamples.starterModel(workbench)))
        .onSuccess(s -> {
          samplesLoaded.set(s.loaded());
          starterModel.set(s.starter().orElse(""));
        }).onFailure(e -> error.set(GuiText.of(e.getMessage()))).executeWith(tasks).future()
        .thenApply(State::starter);
  }

  private record State(boolean loaded, Optional<String> starter) {}

  /**
   * Writes the starter world and imports its datasets, suite and recipes: a job (status bar,
   * progress, cancel). Safe to run again: what is there is kept.
   */
  public CompletableFuture<StarterSamples.Loaded> loadSamples() {
    if (busy.get()) {
      return CompletableFuture.completedFuture(null);
    }
    TaskHandle<StarterSamples.Loaded> t = BackgroundTask.job("samples", "Load the samples",
        ctx -> StarterSamples.load(workbench, ctx))
        .onRunning(() -> started("Writing the story world"))
        .onProgress(p -> {
          progress.set(p.fraction());
          status.set(p.message());
        })
        .onSuccess(l -> {
          status.set("Loaded " + l.summary() + ".");
          samplesLoaded.set(true);
        })
        .onCancelled(() -> status.set("Loading the samples was cancelled"))
        .onFailure(e -> error.set(GuiText.of(e.getMessage())))
        .onFinished(() -> busy.set(false))
        .executeWith(tasks);
    job = t;
    return t.future();
  }

  /**
   * Builds the starter base model: the {@code starter-base} recipe (the world, then
   * olmo-tiny's pretraining stage) as a job; the samples are loaded first when they are not.
   * The checkpoint lands in the model library. A cancelled build resumes where it stopped.
   */
  public CompletableFuture<RecipeRunner.Outcome> buildStarterModel() {
    if (busy.get()) {
      return CompletableFuture.completedFuture(null);
    }
    TaskHandle<RecipeRunner.Outcome> t = BackgroundTask.job("recipe", "Build the starter model",
        ctx -> {
          java.nio.file.Path file = StarterSamples.recipesDir(workbench.home())
              .resolve(StarterSamples.STARTER_RECIPE);
          if (!StarterSamples.loaded(workbench) || !java.nio.file.Files.exists(file)) {
            StarterSamples.load(workbench, ctx); // writes the recipe again if it was deleted
          }
          Recipe r = Recipe.load(file);
          return new RecipeRunner(workbench, line -> { }).run(r, ctx);
        })
        .onRunning(() -> started("Pretraining the starter model"))
        .onProgress(p -> {
          progress.set(p.fraction());
          status.set(p.message());
        })
        .onSuccess(o -> {
          samplesLoaded.set(true);
          refresh().thenRun(() -> tasks.ui().execute(() -> status.set(
              "The starter model is in the model library: " + starterModel.get())));
        })
        .onCancelled(() -> status.set("Cancelled; Build again continues from the last "
            + "checkpoint"))
        .onFailure(e -> error.set(GuiText.of(e.getMessage())))
        .onFinished(() -> busy.set(false))
        .executeWith(tasks);
    job = t;
    return t.future();
  }

  private void started(String what) {
    busy.set(true);
    error.set("");
    progress.set(-1);
    status.set(what);
  }

  /** Stops the running load or build (a build saves a checkpoint first). */
  public void cancel() {
    TaskHandle<?> j = job;
    if (j != null && busy.get()) {
      j.cancel();
    }
  }

  /** Download {@code repoId} (a suggestion, or empty for the dialog's own choice). */
  public void download(String repoId) {
    onDownload.accept(repoId == null ? "" : repoId);
  }

  public void openFromDisk() {
    onOpenFromDisk.run();
  }

  /** Shows another page (datasets, recipes, models, chat). */
  public void go(String pageId) {
    navigate.accept(pageId);
  }

  public void setOnDownload(Consumer<String> hook) {
    onDownload = hook == null ? repo -> { } : hook;
  }

  public void setOnOpenFromDisk(Runnable hook) {
    onOpenFromDisk = hook == null ? () -> { } : hook;
  }

  public void setNavigate(Consumer<String> hook) {
    navigate = hook == null ? id -> { } : hook;
  }

  public List<SuggestedModel> suggestions() {
    return SuggestedModel.ALL;
  }

  public ReadOnlyBooleanProperty samplesLoadedProperty() {
    return samplesLoaded;
  }

  public ReadOnlyStringProperty starterModelProperty() {
    return starterModel;
  }

  public ReadOnlyBooleanProperty busyProperty() {
    return busy;
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
