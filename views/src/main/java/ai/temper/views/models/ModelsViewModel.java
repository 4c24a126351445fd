package ai.temper.views.models;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.Job;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobListener;
import ai.temper.engine.models.LineageNode;
import ai.temper.engine.models.ModelDetails;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.ModelLibrary.CreateOptions;
import ai.temper.engine.models.ModelLibrary.ImportOptions;
import ai.temper.engine.models.ModelPreset;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.views.common.Fx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
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
 * threads too; the FX thread only receives results.
 */
public final class ModelsViewModel {
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
  private volatile JobHandle<?> current;
  private long detailsRequest;

  /** Downloads use HF_ENDPOINT and HF_TOKEN from the environment. */
  public ModelsViewModel(Workbench workbench) {
    this(workbench, HubClient::fromEnvironment);
  }

  public ModelsViewModel(Workbench workbench, Supplier<HubClient> hub) {
    this.workbench = workbench;
    this.library = new ModelLibrary(workbench);
    this.hub = hub;
    selected.addListener((obs, old, now) -> loadDetails(now));
  }

  // ------------------------------------------------------------------ reading

  /** Reloads the models and the lineage, keeping the selection when the model is still there. */
  public void refresh() {
    Fx.load(workbench.jobs(), () -> Map.entry(library.list(), library.lineage()), result -> {
      Long keep = selected.get() == null ? null : selected.get().id();
      models.setAll(result.getKey());
      lineage.set(result.getValue());
      ModelRow again = keep == null ? null
          : models.stream().filter(m -> m.id() == keep).findFirst().orElse(null);
      if (again != selected.get()) {
        selected.set(again);
      } else {
        loadDetails(again);
      }
    }, e -> error.set(e.getMessage()));
  }

  /** Selects the model with this id once it is in the list. */
  public void select(long id) {
    models.stream().filter(m -> m.id() == id).findFirst().ifPresent(selected::set);
  }

  private void loadDetails(ModelRow m) {
    long request = ++detailsRequest;
    if (m == null) {
      details.set(null);
      detailsText.set("");
      return;
    }
    Fx.load(workbench.jobs(), () -> library.details(m.id()), d -> {
      if (request == detailsRequest) {
        details.set(d);
        detailsText.set(d.toText());
      }
    }, e -> {
      if (request == detailsRequest) {
        details.set(null);
        detailsText.set("Cannot read " + m.name() + ": " + e.getMessage());
      }
    });
  }

  // ------------------------------------------------------------------ actions (jobs)

  /** Adds a model folder or llama2.c file, by reference or copied into the model cache. */
  public JobHandle<ModelRow> addFromDisk(Path source, String name, boolean copy) {
    return start("model-import", "Add " + source.getFileName(),
        ctx -> library.importLocal(source, new ImportOptions(blankToNull(name), copy, null, null),
            ctx));
  }

  /** Downloads a model from the Hugging Face Hub into the model cache. */
  public JobHandle<ModelRow> download(String repoId, String revision) {
    String repo = repoId == null ? "" : repoId.strip();
    String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
    return start("model-pull", "Download " + repo,
        ctx -> library.pull(hub.get(), repo, rev, ctx));
  }

  /** Creates a new model of a preset shape with the tokenizer of {@code tokenizerFrom}. */
  public JobHandle<ModelRow> create(ModelPreset preset, String tokenizerFrom, String name,
      long seed) {
    return start("model-create", "Create " + preset.id() + " model",
        ctx -> library.create(new CreateOptions(preset, tokenizerFrom, blankToNull(name), seed),
            ctx));
  }

  /** Removes a model (forced: its checkpoints and adapters stay, without a base). */
  public JobHandle<ModelRow> remove(ModelRow m, boolean force) {
    return start("model-remove", "Remove " + m.name(), ctx -> {
      library.remove(m.id(), force);
      return null;
    });
  }

  /** Cancels the running action; a cancelled download resumes next time. */
  public void cancel() {
    JobHandle<?> h = current;
    if (h != null) {
      h.cancel();
    }
  }

  /** True when removing {@code m} needs force: checkpoints or adapters were made from it. */
  public boolean hasDescendants(ModelRow m) {
    return models.stream().anyMatch(o -> o.parentId() != null && o.parentId() == m.id());
  }

  private JobHandle<ModelRow> start(String kind, String title, Job<ModelRow> work) {
    error.set("");
    busy.set(true);
    progress.set(-1);
    jobTitle.set(title);
    jobMessage.set("starting");
    JobListener[] listener = new JobListener[1];
    JobHandle<ModelRow> handle = workbench.jobs().submit(kind, title, work);
    current = handle;
    listener[0] = job -> {
      if (job == handle) {
        double f = job.fraction();
        String msg = job.message();
        Fx.run(() -> {
          progress.set(f);
          jobMessage.set(msg);
        });
      }
    };
    workbench.jobs().addListener(listener[0]);
    handle.future().whenComplete((row, failure) -> {
      workbench.jobs().removeListener(listener[0]);
      Fx.run(() -> {
        if (current == handle) {
          current = null;
          busy.set(false);
        }
        Throwable t = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        if (t instanceof CancellationException) {
          jobMessage.set(title + ": cancelled");
        } else if (t != null) {
          error.set(title + ": " + t.getMessage());
          jobMessage.set("");
        } else {
          progress.set(1);
          jobMessage.set(title + ": done");
        }
        refreshThenSelect(row);
      });
    });
    return handle;
  }

  private void refreshThenSelect(ModelRow row) {
    Fx.load(workbench.jobs(), () -> Map.entry(library.list(), library.lineage()), result -> {
      models.setAll(result.getKey());
      lineage.set(result.getValue());
      long want = row != null ? row.id() : selected.get() == null ? -1 : selected.get().id();
      ModelRow pick = models.stream().filter(m -> m.id() == want).findFirst().orElse(null);
      if (pick != selected.get()) {
        selected.set(pick);
      } else {
        loadDetails(pick);
      }
    }, e -> error.set(e.getMessage()));
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
