package ai.temper.views.models;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.Job;
import ai.temper.engine.models.LineageNode;
import ai.temper.engine.models.ModelDetails;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.ModelLibrary.CreateOptions;
import ai.temper.engine.models.ModelLibrary.ImportOptions;
import ai.temper.engine.models.ModelPreset;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Models page: the library's models, the lineage forest, the details of the model
 * selected, and the long actions (add from disk, download from the Hub, create from scratch,
 * remove) run as workbench jobs with progress and cancel. Reads run on the job runner's
 * threads too; the FX thread only receives results (all through {@link BackgroundTask}).
 */
public final class ModelsViewModel implements Lifecycle {
  private final Workbench workbench;
  private final ModelLibrary library;
  private final Supplier<HubClient> hub;
  private final ObservableList<ModelRow> models = FXCollections.observableArrayList();
  private final ReadOnlyObjectWrapper<List<LineageNode>> lineage =
      new ReadOnlyObjectWrapper<>(List.of());
  private final ObjectProperty<ModelRow> selected = new SimpleObjectProperty<>();
  private final ReadOnlyObjectWrapper<ModelDetails> details = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyStringWrapper detailsText = new ReadOnlyStringWrapper("");
  private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
  private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
  private final ReadOnlyStringWrapper jobTitle = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper jobMessage = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
  private final TaskExecutor tasks;
  private volatile TaskHandle<ModelRow> current;
  private volatile long actions;
  private TaskHandle<ModelDetails> detailsLoad;

  /** Downloads use HF_ENDPOINT and HF_TOKEN from the environment. */
  public ModelsViewModel(Workbench workbench) {
    this(workbench, HubClient::fromEnvironment);
  }

  public ModelsViewModel(Workbench workbench, Supplier<HubClient> hub) {
    this(workbench, hub, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public ModelsViewModel(Workbench workbench, Supplier<HubClient> hub, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
    this.library = workbench.models();
    this.hub = hub;
    selected.addListener((obs, old, now) -> loadDetails(now));
  }

  // ------------------------------------------------------------------ reading

  @Override
  public void activate() {
    refresh();
  }

  /** Stops the running action (a download resumes next time). */
  @Override
  public void close() {
    cancel();
  }

  /** Reloads the models and the lineage, keeping the selection when the model is still there. */
  public CompletableFuture<Void> refresh() {
    return reload(this::selectedId);
  }

  /** Selects the model with this id once it is in the list. */
  public void select(long id) {
    models.stream().filter(m -> m.id() == id).findFirst().ifPresent(selected::set);
  }

  /** The details of {@code m}; a newer selection cancels an older request. */
  private void loadDetails(ModelRow m) {
    if (detailsLoad != null) {
      detailsLoad.cancel();
    }
    if (m == null) {
      detailsLoad = null;
      details.set(null);
      detailsText.set("");
      return;
    }
    detailsLoad = BackgroundTask.wrap(() -> library.details(m.id())).onSuccess(d -> {
      details.set(d);
      detailsText.set(d.toText());
    }).onCancelled(() -> {}).onFailure(e -> {
      details.set(null);
      detailsText.set("Cannot read " + m.name() + ": " + e.getMessage());
    }).executeWith(tasks);
  }

  // ------------------------------------------------------------------ actions (jobs)

  /** Adds a model folder or llama2.c file, by reference or copied into the model cache. */
  public TaskHandle<ModelRow> addFromDisk(Path source, String name, boolean copy) {
    return start("model-import", "Add " + source.getFileName(),
        ctx -> library.importLocal(source, new ImportOptions(blankToNull(name), copy, null, null),
            ctx));
  }

  /** Downloads a model from the Hugging Face Hub into the model cache. */
  public TaskHandle<ModelRow> download(String repoId, String revision) {
    String repo = repoId == null ? "" : repoId.strip();
    String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
    return start("model-pull", "Download " + repo,
        ctx -> library.pull(hub.get(), repo, rev, ctx));
  }

  /** Creates a new model of a preset shape with the tokenizer of {@code tokenizerFrom}. */
  public TaskHandle<ModelRow> create(ModelPreset preset, String tokenizerFrom, String name,
      long seed) {
    return start("model-create", "Create " + preset.id() + " model",
        ctx -> library.create(new CreateOptions(preset, tokenizerFrom, blankToNull(name), seed),
            ctx));
  }

  /** Removes a model (forced: its checkpoints and adapters stay, without a base). */
  public TaskHandle<ModelRow> remove(ModelRow m, boolean force) {
    return start("model-remove", "Remove " + m.name(), ctx -> {
      library.remove(m.id(), force);
      return null;
    });
  }

  /** Cancels the running action; a cancelled download resumes next time. */
  public void cancel() {
    TaskHandle<?> h = current;
    if (h != null) {
      h.cancel();
    }
  }

  /** True when removing {@code m} needs force: checkpoints or adapters were made from it. */
  public boolean hasDescendants(ModelRow m) {
    return models.stream().anyMatch(o -> o.parentId() != null && o.parentId() == m.id());
  }

  private TaskHandle<ModelRow> start(String kind, String title, Job<ModelRow> work) {
    long action = ++actions;
    current = BackgroundTask.job(kind, title, work)
        .onRunning(() -> {
          error.set("");
          busy.set(true);
          progress.set(-1);
          jobTitle.set(title);
          jobMessage.set("starting");
        })
        .onProgress(p -> {
          progress.set(p.fraction());
          jobMessage.set(p.message());
        })
        .onSuccess(row -> {
          progress.set(1);
          jobMessage.set(title + ": done");
          reload(() -> row != null ? row.id() : selectedId());
        })
        .onCancelled(() -> {
          jobMessage.set(title + ": cancelled");
          reload(this::selectedId);
        })
        .onFailure(t -> {
          error.set(title + ": " + t.getMessage());
          jobMessage.set("");
          reload(this::selectedId);
        })
        .onFinished(() -> {
          if (action == actions) { // no newer action has started
            busy.set(false);
          }
        })
        .executeWith(tasks);
    return current;
  }

  private long selectedId() {
    return selected.get() == null ? -1 : selected.get().id();
  }

  /** Reloads the list and lineage, then selects the model {@code want} (or none). */
  private CompletableFuture<Void> reload(LongSupplier want) {
    return BackgroundTask.wrap(() -> Map.entry(library.list(), library.lineage()))
        .onSuccess(result -> {
          models.setAll(result.getKey());
          lineage.set(result.getValue());
          long id = want.getAsLong();
          ModelRow pick = models.stream().filter(m -> m.id() == id).findFirst().orElse(null);
          if (pick != selected.get()) {
            selected.set(pick);
          } else {
            loadDetails(pick);
          }
        }).onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future()
        .thenApply(r -> null);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  // ------------------------------------------------------------------ properties

  public ObservableList<ModelRow> models() {
    return models;
  }

  public ReadOnlyObjectProperty<List<LineageNode>> lineageProperty() {
    return lineage.getReadOnlyProperty();
  }

  public ObjectProperty<ModelRow> selectedProperty() {
    return selected;
  }

  public ReadOnlyObjectProperty<ModelDetails> detailsProperty() {
    return details.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty detailsTextProperty() {
    return detailsText.getReadOnlyProperty();
  }

  public ReadOnlyBooleanProperty busyProperty() {
    return busy.getReadOnlyProperty();
  }

  /** The running action's fraction done, or negative while unknown. */
  public ReadOnlyDoubleProperty progressProperty() {
    return progress.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty jobTitleProperty() {
    return jobTitle.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty jobMessageProperty() {
    return jobMessage.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }

  public List<ModelPreset> presets() {
    return List.of(ModelPreset.values());
  }

  public ModelLibrary library() {
    return library;
  }
}
