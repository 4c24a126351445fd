package ai.temper.views.evaluate;

import ai.temper.engine.Workbench;
import ai.temper.engine.recipe.RecipeBook;
import ai.temper.engine.recipe.RecipeRunner.ResultsTable;
import ai.temper.engine.store.RecipeRepository.RecipeRow;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.GuiText;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Evaluate page's recipe results: a stored recipe run's table, one row per eval stage and
 * one column per task and metric (development tasks, then those marked unseen), as
 * {@code temper recipe run} prints it.
 */
public final class RecipeResultsViewModel implements Lifecycle {
  /** One row: the eval stage and its values by column (null where the stage has none). */
  public record StageRow(String stage, List<Double> values) {}

  private final TaskExecutor tasks;
  private final RecipeBook book;
  private final ObservableList<RecipeRow> recipes = FXCollections.observableArrayList();
  private final ObjectProperty<RecipeRow> recipe = new SimpleObjectProperty<>();
  private final ObjectProperty<List<String>> columns = new SimpleObjectProperty<>(List.of());
  private final ObservableList<StageRow> rows = FXCollections.observableArrayList();
  private final StringProperty error = new SimpleStringProperty("");
  private Long wanted;

  public RecipeResultsViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public RecipeResultsViewModel(Workbench workbench, TaskExecutor tasks) {
    this.tasks = tasks;
    this.book = new RecipeBook(workbench);
    recipe.addListener((obs, old, now) -> {
      if (now != null && (old == null || old.id() != now.id() || !old.equals(now))) {
        load(now.id());
      } else if (now == null) {
        rows.clear();
        columns.set(List.of());
      }
    });
  }

  @Override
  public void activate() {
    refresh();
  }

  /** Reloads the stored recipe runs (newest first) and the picked one's table. */
  public CompletableFuture<List<RecipeRow>> refresh() {
    return BackgroundTask.wrap(book::runs).onSuccess(all -> {
      Long keep = wanted != null ? wanted : recipe.get() == null ? null : recipe.get().id();
      wanted = null;
      recipes.setAll(all);
      RecipeRow pick = all.stream().filter(r -> keep != null && r.id() == keep).findFirst()
          .orElse(all.isEmpty() ? null : all.get(0));
      if (pick != null && recipe.get() != null && pick.equals(recipe.get())) {
        load(pick.id()); // same row: newer stages may have finished
      }
      recipe.set(pick);
    }).onFailure(e -> error.set(GuiText.of(e.getMessage()))).executeWith(tasks).future();
  }

  /** Shows recipe run {@code id} (from the Recipes page). */
  public CompletableFuture<List<RecipeRow>> show(long id) {
    wanted = id;
    return refresh();
  }

  private CompletableFuture<ResultsTable> load(long id) {
    return BackgroundTask.wrap(() -> book.table(id)).onSuccess(t -> {
      if (recipe.get() == null || recipe.get().id() != id) {
        return;
      }
      List<StageRow> out = new ArrayList<>();
      for (Map.Entry<String, Map<String, Double>> e : t.rows().entrySet()) {
        List<Double> v = new ArrayList<>();
        t.tasks().forEach(task -> v.add(e.getValue().get(task)));
        out.add(new StageRow(e.getKey(), v));
      }
      columns.set(order(t.tasks()));
      rows.setAll(reorder(out, t.tasks(), columns.get()));
    }).onFailure(e -> error.set(GuiText.of(e.getMessage()))).executeWith(tasks).future();
  }

  /** Development columns first, then unseen ones, each in the table's order. */
  static List<String> order(List<String> tasks) {
    List<String> out = new ArrayList<>();
    tasks.stream().filter(t -> !t.contains("(unseen)")).forEach(out::add);
    tasks.stream().filter(t -> t.contains("(unseen)")).forEach(out::add);
    return List.copyOf(out);
  }

  private static List<StageRow> reorder(List<StageRow> rows, List<String> from,
      List<String> to) {
    List<StageRow> out = new ArrayList<>();
    for (StageRow r : rows) {
      List<Double> v = new ArrayList<>();
      for (String c : to) {
        v.add(r.values().get(from.indexOf(c)));
      }
      out.add(new StageRow(r.stage(), v));
    }
    return out;
  }

  /** The table as tab-separated text (header, then one line per stage). */
  public String toTsv() {
    StringBuilder b = new StringBuilder("stage");
    columns.get().forEach(c -> b.append('\t').append(c));
    b.append('\n');
    for (StageRow r : rows) {
      b.append(r.stage());
      r.values().forEach(v -> b.append('\t').append(v == null ? "" : v));
      b.append('\n');
    }
    return b.toString();
  }

  public ObservableList<RecipeRow> recipes() {
    return recipes;
  }

  public ObjectProperty<RecipeRow> recipeProperty() {
    return recipe;
  }

  public ReadOnlyObjectProperty<List<String>> columnsProperty() {
    return columns;
  }

  public ObservableList<StageRow> rows() {
    return rows;
  }

  public ReadOnlyStringProperty errorProperty() {
    return error;
  }
}
