package ai.temper.views.evaluate;

import ai.temper.engine.eval.ResultTable.Filter;
import ai.temper.engine.eval.ResultTable.Pair;
import ai.temper.engine.eval.ResultTable.Row;
import ai.temper.engine.eval.ResultTable.TaskKey;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.engine.store.RecipeRepository.RecipeRow;
import ai.temper.views.common.LineChartPane;
import java.io.File;
import java.nio.file.Path;
import java.util.Locale;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

/**
 * The Evaluate page: the table of models/checkpoints by tasks (unseen tasks marked), bars of
 * the picked checkpoints with 95% intervals, a run's checkpoints over steps, and the
 * drill-down to instances of two checkpoints side by side. F5 refreshes; Ctrl+E exports CSV.
 */
public final class EvaluateView extends BorderPane {
  private final EvaluateViewModel model;
  private final TableView<Row> table = new TableView<>();
  private final IntervalBarChart bars = new IntervalBarChart();
  private final LineChartPane runChart = new LineChartPane("Pick a run", "step", "value");
  private final TableView<Pair> instances = new TableView<>();
  private final TabPane tabs = new TabPane();
  private Tab recipeTab;

  public EvaluateView(EvaluateViewModel model) {
    this.model = model;
    getStyleClass().add("page");

    Label h = new Label("Evaluate");
    h.getStyleClass().add("page-title");
    Label sub = new Label("Scores of models and checkpoints on the development suite and, "
        + "marked [unseen], the held-out tasks not to tune on. Pick rows to compare; "
        + "drill into the instances where two checkpoints differ.");
    sub.getStyleClass().add("page-subtitle");
    sub.setWrapText(true);
    Button refresh = button("Refresh", "evaluate-refresh", "Reload results (F5)",
        model::refresh);
    Button csv = button("Export CSV", "evaluate-export-csv", "Save the table as CSV (Ctrl+E)",
        this::exportCsv);
    Button png = button("Export chart PNG", "evaluate-export-png",
        "Save the chart shown as a PNG image", this::exportPng);
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    HBox top = new HBox(12, new VBox(2, h, sub), spacer, refresh, csv, png);
    top.setPadding(new Insets(0, 0, 8, 0));
    setTop(new VBox(top, runBar()));

    table.setId("evaluate-table");
    table.setItems(model.rows());
    table.setPlaceholder(new Label("No evaluation results yet: run temper eval --model M "
        + "--suite stories, or set eval_suite in a training config."));
    table.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
    table.getSelectionModel().getSelectedItems().addListener((ListChangeListener<Row>) c ->
        model.picked().setAll(table.getSelectionModel().getSelectedItems()));
    model.taskKeys().addListener((ListChangeListener<TaskKey>) c -> columns());
    model.picked().addListener((ListChangeListener<Row>) c -> {
      if (!table.getSelectionModel().getSelectedItems().equals(model.picked())) {
        table.getSelectionModel().clearSelection();
        model.picked().forEach(r -> table.getSelectionModel().select(r));
      }
    });
    columns();

    bars.setId("evaluate-bars");
    model.barsProperty().addListener((obs, old, now) -> bars.setBars(now));
    Tab compare = new Tab("Compare", bars);

    ComboBox<Long> run = new ComboBox<>(model.runs());
    run.setId("evaluate-run");
    run.valueProperty().bindBidirectional(model.runProperty());
    run.setConverter(converter(id -> id == null ? "" : "run " + id));
    runChart.setId("evaluate-run-chart");
    model.runCurvesProperty().addListener((obs, old, now) -> {
      runChart.setSeries(now);
      runChart.setTitle(now.isEmpty() ? "No checkpoints of this run have results"
          : "Run " + model.runProperty().get() + ": primary metric per task over checkpoints");
    });
    HBox runBar = new HBox(8, new Label("Run"), run);
    runBar.setPadding(new Insets(6, 0, 6, 0));
    Tab overRun = new Tab("Over a run", new BorderPane(runChart, runBar, null, null, null));

    Tab drill = new Tab("Instances", drillDown());
    tabs.getTabs().addAll(compare, overRun, drill);
    tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
    tabs.setId("evaluate-tabs");

    Label status = new Label();
    status.textProperty().bind(model.statusProperty());
    Label error = new Label();
    error.getStyleClass().add("error-text");
    error.textProperty().bind(model.errorProperty());
    HBox foot = new HBox(12, status, error);
    foot.setPadding(new Insets(6, 0, 0, 0));

    SplitPane split = new SplitPane(table, tabs);
    split.setOrientation(Orientation.VERTICAL);
    split.setDividerPositions(0.35);
    setCenter(split);
    setBottom(foot);

    setOnKeyPressed(e -> {
      if (e.getCode() == KeyCode.F5) {
        model.refresh();
        e.consume();
      } else if (new KeyCodeCombination(KeyCode.E, KeyCombination.SHORTCUT_DOWN).match(e)) {
        exportCsv();
        e.consume();
      }
    });
  }

  /**
   * Adds the "Recipe results" tab: a stored recipe run's table, one row per eval stage and one
   * column per task (development, then unseen in amber), as {@code temper recipe run} prints.
   */
  public void showRecipeResults(RecipeResultsViewModel results) {
    ComboBox<RecipeRow> pick = new ComboBox<>(results.recipes());
    pick.setId("evaluate-recipe");
    pick.valueProperty().bindBidirectional(results.recipeProperty());
    pick.setConverter(converter(r -> r == null ? "" : r.name() + " #" + r.id() + " ("
        + r.status().toLowerCase(Locale.ROOT) + ")"));
    pick.setPrefWidth(280);
    TableView<RecipeResultsViewModel.StageRow> t = new TableView<>(results.rows());
    t.setId("evaluate-recipe-table");
    t.setPlaceholder(new Label("No recipe results yet: run a recipe with eval stages on the "
        + "Recipes page or with temper recipe run."));
    Runnable columns = () -> {
      t.getColumns().clear();
      TableColumn<RecipeResultsViewModel.StageRow, String> stage = new TableColumn<>("Stage");
      stage.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(cd.getValue().stage()));
      stage.setPrefWidth(140);
      t.getColumns().add(stage);
      var names = results.columnsProperty().get();
      for (int i = 0; i < names.size(); i++) {
        int at = i;
        String name = names.get(i);
        TableColumn<RecipeResultsViewModel.StageRow, String> c = new TableColumn<>();
        Label header = new Label(name.replace(" (unseen) ", "\n[unseen] "));
        if (name.contains("(unseen)")) {
          header.setStyle("-fx-text-fill: #b45309; -fx-font-weight: bold;");
          header.setTooltip(new Tooltip("Unseen task: held out, not to tune on"));
        }
        c.setGraphic(header);
        c.setCellValueFactory(cd -> {
          Double v = cd.getValue().values().get(at);
          return new ReadOnlyObjectWrapper<>(v == null ? "" : String.format(Locale.ROOT,
              "%.4f", v));
        });
        c.setPrefWidth(150);
        t.getColumns().add(c);
      }
    };
    results.columnsProperty().addListener((obs, old, now) -> columns.run());
    columns.run();
    Label error = new Label();
    error.getStyleClass().add("error-text");
    error.textProperty().bind(results.errorProperty());
    HBox bar = new HBox(8, new Label("Recipe"), pick, error);
    bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
    bar.setPadding(new Insets(6, 0, 6, 0));
    recipeTab = new Tab("Recipe results", new BorderPane(t, bar, null, null, null));
    recipeTab.setId("evaluate-recipe-tab");
    tabs.getTabs().add(recipeTab);
  }

  /** Shows the recipe results tab (from the Recipes page's Results). */
  public void selectRecipeResults() {
    if (recipeTab != null) {
      tabs.getSelectionModel().select(recipeTab);
    }
  }

  /** Model, suite, unseen, limit, Run / Cancel and the job's progress. */
  private HBox runBar() {
    ComboBox<String> modelBox = new ComboBox<>(model.modelChoices());
    modelBox.setId("evaluate-model");
    modelBox.setEditable(true);
    modelBox.setPromptText("library model or path");
    modelBox.setPrefWidth(260);
    ComboBox<String> suiteBox = new ComboBox<>(model.suiteChoices());
    suiteBox.setId("evaluate-suite");
    suiteBox.setEditable(true);
    suiteBox.setPromptText("suite name or YAML file");
    suiteBox.setPrefWidth(200);
    javafx.scene.control.CheckBox unseen = new javafx.scene.control.CheckBox(
        "include unseen tasks");
    unseen.setId("evaluate-include-unseen");
    unseen.setTooltip(new Tooltip("Unseen tasks are held out: run them only at the end, and "
        + "do not tune on them."));
    javafx.scene.control.TextField limit = new javafx.scene.control.TextField();
    limit.setId("evaluate-limit");
    limit.setPromptText("limit");
    limit.setPrefColumnCount(5);
    Button run = new Button("Evaluate");
    run.setId("evaluate-run-button");
    run.setDefaultButton(false);
    run.disableProperty().bind(model.runningProperty());
    run.setOnAction(e -> {
      Integer n = null;
      try {
        n = limit.getText().isBlank() ? null : Integer.valueOf(limit.getText().strip());
      } catch (NumberFormatException ex) {
        model.errorProperty().set("limit: a whole number, not '" + limit.getText() + "'");
        return;
      }
      model.evaluate(modelBox.getEditor().getText(), suiteBox.getEditor().getText(),
          unseen.isSelected(), n);
    });
    Button cancel = new Button("Cancel");
    cancel.setId("evaluate-cancel");
    cancel.disableProperty().bind(model.runningProperty().not());
    cancel.setOnAction(e -> model.cancelEvaluation());
    javafx.scene.control.ProgressBar bar = new javafx.scene.control.ProgressBar();
    bar.progressProperty().bind(model.progressProperty());
    bar.visibleProperty().bind(model.runningProperty());
    bar.setPrefWidth(160);
    // at 1024 x 680 the pickers and the progress bar give way; labels and buttons stay whole
    Label modelLabel = new Label("Model");
    Label suiteLabel = new Label("Suite");
    for (javafx.scene.layout.Region r : new javafx.scene.layout.Region[] {modelLabel, suiteLabel,
        run, cancel, unseen}) {
      r.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
    }
    modelBox.setMinWidth(120);
    suiteBox.setMinWidth(110);
    limit.setMinWidth(50);
    bar.setMinWidth(40);
    HBox box = new HBox(8, modelLabel, modelBox, suiteLabel, suiteBox, unseen, limit, run,
        cancel, bar);
    box.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
    box.setPadding(new Insets(0, 0, 10, 0));
    return box;
  }

  /** One column per task; unseen tasks carry a mark and a warning tooltip. */
  private void columns() {
    table.getColumns().clear();
    TableColumn<Row, String> name = new TableColumn<>("Model / checkpoint");
    name.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(cd.getValue().model().label()));
    name.setPrefWidth(320);
    table.getColumns().add(name);
    for (TaskKey t : model.taskKeys()) {
      TableColumn<Row, String> c = new TableColumn<>();
      Label header = new Label(t.label() + "\n" + t.metric());
      if (t.unseen()) {
        header.getStyleClass().add("unseen");
        header.setStyle("-fx-text-fill: #b45309; -fx-font-weight: bold;");
        header.setTooltip(new Tooltip("Unseen task: held out, run only at the end. Do not "
            + "tune on it."));
      }
      c.setGraphic(header);
      c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(cell(cd.getValue().cells()
          .get(t))));
      c.setPrefWidth(170);
      table.getColumns().add(c);
    }
  }

  static String cell(Result r) {
    if (r == null) {
      return "";
    }
    String v = String.format(Locale.ROOT, "%.4f", r.value());
    if (r.ciLow() != null && r.ciHigh() != null) {
      v += String.format(Locale.ROOT, "  [%.3f, %.3f]", r.ciLow(), r.ciHigh());
    }
    return v;
  }

  private BorderPane drillDown() {
    ComboBox<TaskKey> task = new ComboBox<>(model.taskKeys());
    task.setId("evaluate-drill-task");
    task.valueProperty().bindBidirectional(model.drillTaskProperty());
    task.setConverter(converter(t -> t == null ? "" : t.label()));
    ComboBox<Row> a = new ComboBox<>(model.rows());
    a.setId("evaluate-drill-a");
    a.valueProperty().bindBidirectional(model.drillAProperty());
    a.setConverter(converter(r -> r == null ? "" : r.model().label()));
    ComboBox<Row> b = new ComboBox<>(model.rows());
    b.setId("evaluate-drill-b");
    b.valueProperty().bindBidirectional(model.drillBProperty());
    b.setConverter(converter(r -> r == null ? "" : r.model().label()));
    ComboBox<Filter> filter = new ComboBox<>();
    filter.getItems().setAll(Filter.values());
    filter.setId("evaluate-drill-filter");
    filter.valueProperty().bindBidirectional(model.filterProperty());
    for (ComboBox<?> box : java.util.List.of(a, b)) {
      box.setPrefWidth(260);
    }
    HBox bar = new HBox(8, new Label("Task"), task, new Label("A"), a, new Label("B"), b,
        new Label("Show"), filter);
    bar.setPadding(new Insets(6, 0, 6, 0));

    instances.setId("evaluate-instances");
    instances.setItems(model.pairs());
    instances.setPlaceholder(new Label("Pick a task and two checkpoints (A, B)."));
    instances.getColumns().add(col("#", p -> Long.toString(p.idx()), 50));
    instances.getColumns().add(col("Prompt", p -> tail(p.a().input(), 120), 280));
    instances.getColumns().add(col("Reference", p -> p.a().target(), 110));
    instances.getColumns().add(col("A answer", p -> p.a().extracted(), 140));
    instances.getColumns().add(col("A", p -> score(p.a()), 60));
    instances.getColumns().add(col("B answer", p -> p.b() == null ? "" : p.b().extracted(),
        140));
    instances.getColumns().add(col("B", p -> score(p.b()), 60));
    instances.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);

    TextArea prompt = area("evaluate-prompt");
    TextArea outA = area("evaluate-output-a");
    TextArea outB = area("evaluate-output-b");
    instances.getSelectionModel().selectedItemProperty().addListener((obs, old, p) -> {
      prompt.setText(p == null ? "" : p.a().input() + "\n\n[reference] " + p.a().target());
      outA.setText(p == null ? "" : p.a().output());
      outB.setText(p == null || p.b() == null ? "" : p.b().output());
    });
    SplitPane sides = new SplitPane(titled("Prompt", prompt), titled("A output", outA),
        titled("B output", outB));
    SplitPane body = new SplitPane(instances, sides);
    body.setOrientation(Orientation.VERTICAL);
    body.setDividerPositions(0.55);
    return new BorderPane(body, bar, null, null, null);
  }

  private static String score(Instance i) {
    return i == null || i.score() == null ? "" : String.format(Locale.ROOT, "%.3f", i.score());
  }

  private static String tail(String s, int n) {
    if (s == null) {
      return "";
    }
    String t = s.replace('\n', ' ');
    return t.length() <= n ? t : "…" + t.substring(t.length() - n);
  }

  private static TableColumn<Pair, String> col(String name,
      java.util.function.Function<Pair, String> f, double width) {
    TableColumn<Pair, String> c = new TableColumn<>(name);
    c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(f.apply(cd.getValue())));
    c.setPrefWidth(width);
    return c;
  }

  private static TextArea area(String id) {
    TextArea t = new TextArea();
    t.setId(id);
    t.setEditable(false);
    t.setWrapText(true);
    return t;
  }

  private static BorderPane titled(String title, TextArea area) {
    Label l = new Label(title);
    l.setPadding(new Insets(2, 0, 2, 0));
    return new BorderPane(area, l, null, null, null);
  }

  private static <T> StringConverter<T> converter(java.util.function.Function<T, String> f) {
    return new StringConverter<>() {
      @Override
      public String toString(T t) {
        return f.apply(t);
      }

      @Override
      public T fromString(String s) {
        return null;
      }
    };
  }

  private Button button(String text, String id, String tip, Runnable action) {
    Button b = new Button(text);
    b.setId(id);
    b.setTooltip(new Tooltip(tip));
    b.setOnAction(e -> action.run());
    return b;
  }

  private void exportCsv() {
    FileChooser fc = new FileChooser();
    fc.setTitle("Export evaluation table");
    fc.setInitialFileName("evaluation.csv");
    File f = fc.showSaveDialog(getScene() == null ? null : getScene().getWindow());
    if (f != null) {
      model.exportCsv(f.toPath());
    }
  }

  private void exportPng() {
    FileChooser fc = new FileChooser();
    fc.setTitle("Export chart");
    fc.setInitialFileName("evaluation.png");
    File f = fc.showSaveDialog(getScene() == null ? null : getScene().getWindow());
    if (f != null) {
      exportChart(f.toPath());
    }
  }

  /** Writes the chart of the selected tab (bars unless "Over a run" is shown). */
  public void exportChart(Path file) {
    boolean run = tabs.getSelectionModel().getSelectedIndex() == 1;
    model.exportPng(run ? runChart.chart() : bars.chart(), file, 1000, 600);
  }

  public IntervalBarChart bars() {
    return bars;
  }

  public TableView<Pair> instances() {
    return instances;
  }

  public TabPane tabs() {
    return tabs;
  }
}
