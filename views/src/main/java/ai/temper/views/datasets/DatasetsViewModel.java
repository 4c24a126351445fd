package ai.temper.views.datasets;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.DatasetImporter.ImportFailedException;
import ai.temper.engine.data.DatasetStatistics;
import ai.temper.engine.data.DatasetLibrary;
import ai.temper.engine.data.LengthMeasure;
import ai.temper.engine.data.RowError;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.TaskHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Datasets page without a window: the datasets, one page of the selected dataset's
 * examples (paged and searched in SQL), the example opened in the detail pane, statistics and
 * the import dialog's state. Properties change on the FX thread only; database work runs off
 * it as {@link BackgroundTask}s: short queries as background work (the newest page request
 * wins), imports and statistics as recorded jobs. Methods that start work return a future that
 * completes once its result is visible in the properties.
 */
public final class DatasetsViewModel implements Lifecycle {
  public static final int DEFAULT_PAGE_SIZE = 50;

  private final Workbench workbench;
  private final TaskExecutor tasks;
  private TaskHandle<Page> pageLoad;

  private final ObservableList<DatasetInfo> datasets = FXCollections.observableArrayList();
  private final ObjectProperty<DatasetInfo> selectedDataset = new SimpleObjectProperty<>();
  private final ObservableList<ExampleRow> examples = FXCollections.observableArrayList();
  private final ObjectProperty<ExampleRow> selectedExample = new SimpleObjectProperty<>();
  private final IntegerProperty pageSize = new SimpleIntegerProperty(DEFAULT_PAGE_SIZE);
  private final LongProperty page = new SimpleLongProperty(0);
  private final ReadOnlyLongWrapper matches = new ReadOnlyLongWrapper(0);
  private final StringProperty query = new SimpleStringProperty("");
  private final ObjectProperty<DatasetStatistics> statistics = new SimpleObjectProperty<>();
  private final BooleanProperty statisticsRunning = new SimpleBooleanProperty();
  private final BooleanProperty loading = new SimpleBooleanProperty();
  private final StringProperty status = new SimpleStringProperty("");
  private final ImportModel importModel = new ImportModel();
  private TaskHandle<DatasetImporter.Result> importTask;
  private String countedFor;

  public DatasetsViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public DatasetsViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = Objects.requireNonNull(workbench);
    this.tasks = Objects.requireNonNull(tasks);
    selectedDataset.addListener((obs, old, now) -> {
      statistics.set(null);
      selectedExample.set(null);
      page.set(0);
      countedFor = null;
      loadPage();
    });
  }

  public Workbench workbench() {
    return workbench;
  }

  public ObservableList<DatasetInfo> datasets() {
    return datasets;
  }

  public ObjectProperty<DatasetInfo> selectedDatasetProperty() {
    return selectedDataset;
  }

  /** The examples of the current page. */
  public ObservableList<ExampleRow> examples() {
    return examples;
  }

  /** The example shown in the detail pane. */
  public ObjectProperty<ExampleRow> selectedExampleProperty() {
    return selectedExample;
  }

  public IntegerProperty pageSizeProperty() {
    return pageSize;
  }

  /** The current page, 0-based. */
  public LongProperty pageProperty() {
    return page;
  }

  /** How many examples match the current query (all of them without one). */
  public ReadOnlyLongProperty matchesProperty() {
    return matches.getReadOnlyProperty();
  }

  /** The applied search query (see {@link #search}). */
  public StringProperty queryProperty() {
    return query;
  }

  public ObjectProperty<DatasetStatistics> statisticsProperty() {
    return statistics;
  }

  public BooleanProperty statisticsRunningProperty() {
    return statisticsRunning;
  }

  /** True while a page is being fetched. */
  public BooleanProperty loadingProperty() {
    return loading;
  }

  /** A one-line message for the status bar (errors included). */
  public StringProperty statusProperty() {
    return status;
  }

  public ImportModel importModel() {
    return importModel;
  }

  public long pageCount() {
    return Math.max(1, (matches.get() + pageSize.get() - 1) / pageSize.get());
  }

  /** Shown: the datasets may have changed (imports from the command line, mixes). */
  @Override
  public void activate() {
    refreshDatasets();
  }

  /** Stops a running import. */
  @Override
  public void close() {
    cancelImport();
  }

  /** Reloads the list of datasets, keeping the selection by name when it still exists. */
  public CompletableFuture<Void> refreshDatasets() {
    return query(BackgroundTask.wrap(() -> workbench.datasets().list()).onSuccess(list -> {
      String keep = selectedDataset.get() == null ? null : selectedDataset.get().name();
      datasets.setAll(list);
      if (keep != null) {
        DatasetInfo again = list.stream().filter(d -> d.name().equals(keep)).findFirst()
            .orElse(null);
        if (again == null || again.id() != selectedDataset.get().id()) {
          selectedDataset.set(again);
        }
      }
    })).thenApply(list -> null);
  }

  /** Selects a dataset by name (after a refresh); the first page loads. */
  public void select(String name) {
    datasets.stream().filter(d -> d.name().equals(name)).findFirst()
        .ifPresent(selectedDataset::set);
  }

  /** Applies a search query and goes back to the first page. */
  public CompletableFuture<Void> search(String q) {
    query.set(q == null ? "" : q.strip());
    page.set(0);
    return loadPage();
  }

  public CompletableFuture<Void> nextPage() {
    if (page.get() + 1 < pageCount()) {
      page.set(page.get() + 1);
      return loadPage();
    }
    return CompletableFuture.completedFuture(null);
  }

  public CompletableFuture<Void> previousPage() {
    if (page.get() > 0) {
      page.set(page.get() - 1);
      return loadPage();
    }
    return CompletableFuture.completedFuture(null);
  }

  public CompletableFuture<Void> goToPage(long p) {
    page.set(Math.max(0, Math.min(p, pageCount() - 1)));
    return loadPage();
  }

  /**
   * Fetches the current page (and the match count when the query changed) off the FX thread.
   * A newer request cancels an older one, whose result is then dropped.
   */
  public CompletableFuture<Void> loadPage() {
    if (pageLoad != null) {
      pageLoad.cancel();
    }
    DatasetInfo d = selectedDataset.get();
    if (d == null) {
      examples.clear();
      matches.set(0);
      return CompletableFuture.completedFuture(null);
    }
    String q = query.get();
    long offset = page.get() * pageSize.get();
    int size = pageSize.get();
    String countKey = d.id() + "\u0000" + q;
    boolean needCount = !countKey.equals(countedFor);
    pageLoad = BackgroundTask.wrap(() -> {
      DatasetLibrary library = workbench.datasets();
      long count = needCount ? library.countMatches(d, q) : -1;
      List<ExampleRow> rows = new ArrayList<>();
      for (DatasetLibrary.Match m : library.search(d, q, offset, size)) {
        rows.add(ExampleRow.of(m.stored().idx(), m.stored().sourceLine(), m.example()));
      }
      return new Page(count, rows);
    }).onRunning(() -> loading.set(true)).onSuccess(p -> {
      loading.set(false);
      if (p.count() >= 0) {
        matches.set(p.count());
        countedFor = countKey;
      }
      examples.setAll(p.rows());
      status.set(q.isEmpty() ? String.format("%,d examples", matches.get())
          : String.format("%,d matches for \"%s\"", matches.get(), q));
    }).onCancelled(() -> {}) // a newer request owns the table
        .onFailure(this::failed).executeWith(tasks);
    return pageLoad.future().handle((p, e) -> null);
  }

  private record Page(long count, List<ExampleRow> rows) {}

  /** Runs the import described by the import model as a job; refreshes and selects on success. */
  public CompletableFuture<DatasetImporter.Result> startImport() {
    ImportModel m = importModel;
    if (!m.canStartBinding().get()) {
      return CompletableFuture.failedFuture(new TemperException("Choose a file and a name"));
    }
    m.reset();
    Path file = Path.of(m.fileProperty().get().strip());
    DatasetImporter.Options options = new DatasetImporter.Options(m.nameProperty().get().strip(),
        m.formatProperty().get(), m.onErrorProperty().get());
    importTask = BackgroundTask.job("dataset-import", "Import " + file.getFileName(),
        ctx -> workbench.datasets().importFile(file, options, ctx))
        .onRunning(() -> {
          m.runningProperty().set(true);
          m.messageProperty().set("starting");
        })
        .onProgress(p -> {
          if (p.fraction() >= 0) {
            m.progressProperty().set(p.fraction());
          }
          m.messageProperty().set(p.message());
        })
        .onSuccess(result -> {
          m.progressProperty().set(1);
          m.succeededProperty().set(true);
          m.runningProperty().set(false);
          m.messageProperty().set(String.format("Imported %,d rows (%s) in %.1f s%s",
              result.rows(), result.format().id(), result.seconds(), result.errorCount() == 0
                  ? "" : String.format("; %,d malformed rows skipped", result.errorCount())));
          result.errors().forEach(e -> m.errors().add(e.toString()));
        })
        .onFailure(cause -> {
          if (cause instanceof ImportFailedException failed) {
            for (RowError e : failed.errors()) {
              m.errors().add(e.toString());
            }
          }
          m.messageProperty().set(cause instanceof CancellationException ? "Cancelled"
              : ai.temper.views.common.GuiText.of(cause.getMessage()));
        })
        .onFinished(() -> m.runningProperty().set(false))
        .executeWith(tasks);
    // then the new dataset is listed and selected (on the UI thread, where the task ended)
    return importTask.future().thenCompose(result -> refreshDatasets().thenApply(v -> {
      select(result.dataset().name());
      return result;
    }));
  }

  /** Stops a running import; it leaves no dataset behind. */
  public void cancelImport() {
    TaskHandle<?> t = importTask;
    if (t != null) {
      t.cancel();
    }
  }

  /** Computes statistics of the selected dataset as a job (word lengths). */
  public CompletableFuture<DatasetStatistics> computeStatistics() {
    DatasetInfo d = selectedDataset.get();
    if (d == null) {
      return CompletableFuture.completedFuture(null);
    }
    return BackgroundTask.job("dataset-stats", "Statistics of " + d.name(),
        ctx -> workbench.datasets().statistics(d.name(), LengthMeasure.words(), ctx))
        .onRunning(() -> statisticsRunning.set(true))
        .onSuccess(s -> {
          if (selectedDataset.get() != null && selectedDataset.get().id() == d.id()) {
            statistics.set(s);
          }
        })
        .onFailure(e -> status.set("Statistics failed: " + e.getMessage()))
        .onFinished(() -> statisticsRunning.set(false))
        .executeWith(tasks).future();
  }

  /** Deletes the selected dataset. */
  public CompletableFuture<Void> deleteSelected() {
    DatasetInfo d = selectedDataset.get();
    if (d == null) {
      return CompletableFuture.completedFuture(null);
    }
    return query(BackgroundTask.wrap(() -> workbench.datasets().delete(d.id()))
        .onSuccess(deleted -> {
          selectedDataset.set(null);
          status.set("Deleted " + d.name());
        })).thenCompose(v -> refreshDatasets());
  }

  /** Runs a short query whose failure goes to the status line. */
  private <T> CompletableFuture<T> query(BackgroundTask<T> task) {
    return task.onFailure(this::failed).executeWith(tasks).future();
  }

  private void failed(Throwable e) {
    loading.set(false);
    status.set(e.getMessage());
  }
}
