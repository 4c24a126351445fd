package ai.temper.views.recipes;

import ai.temper.engine.recipe.RecipeBook.Entry;
import ai.temper.views.common.UiExecutor;
import ai.temper.views.recipes.RecipesViewModel.StageItem;
import ai.temper.views.recipes.RecipesViewModel.Status;
import java.io.File;
import java.nio.file.Path;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;

/**
 * The Recipes page: recipe files on the left; the picked one's stages as a pipeline of boxes
 * (coloured by status, each training stage linking to its run on the Runs page and each
 * stage's model to the Evaluate page), with Run / Resume, Cancel and the runner's log.
 * Ctrl+R runs or resumes, Esc cancels, F5 refreshes, Ctrl+O opens a recipe file.
 */
public final class RecipesView extends BorderPane {
  private final RecipesViewModel model;
  private final ListView<Entry> list = new ListView<>();
  private final FlowPane pipeline = new FlowPane(6, 10);
  private boolean syncing;

  public RecipesView(RecipesViewModel model) {
    this.model = model;
    getStyleClass().add("page");
    setId("recipes");

    Label title = new Label("Recipes");
    title.getStyleClass().add("page-title");
    Label sub = new Label("A recipe chains stages (generate, pretrain, SFT, DPO, reward model, "
        + "PPO, GRPO, eval), each from the previous checkpoint. Run it here or with temper "
        + "recipe run; a failed or cancelled recipe resumes at the stage it stopped.");
    sub.getStyleClass().add("page-subtitle");
    sub.setWrapText(true);
    Button run = new Button("Run");
    run.setId("recipes-run");
    run.getStyleClass().add("primary");
    run.setTooltip(new Tooltip("Run the recipe, or resume it where it stopped (Ctrl+R)"));
    run.textProperty().bind(Bindings.createStringBinding(() -> runText(),
        model.selectedProperty()));
    run.disableProperty().bind(model.runningProperty().or(model.selectedProperty().isNull()));
    run.setOnAction(e -> model.run());
    Button cancel = new Button("Cancel");
    cancel.setId("recipes-cancel");
    cancel.setTooltip(new Tooltip("Stop after saving the running stage's checkpoint (Esc)"));
    cancel.disableProperty().bind(model.runningProperty().not());
    cancel.setOnAction(e -> model.cancel());
    Button results = new Button("Results");
    results.setId("recipes-results");
    results.setTooltip(new Tooltip("The stage x task table on the Evaluate page"));
    results.disableProperty().bind(Bindings.createBooleanBinding(() ->
        model.selectedProperty().get() == null || model.selectedProperty().get().latest() == null,
        model.selectedProperty()));
    results.setOnAction(e -> model.openResults());
    Button open = new Button("Open…");
    open.setId("recipes-open");
    open.setTooltip(new Tooltip("Add a recipe file from disk (Ctrl+O)"));
    open.setOnAction(e -> openFile());
    Button refresh = new Button("Refresh");
    refresh.setTooltip(new Tooltip("Reload recipes and stages (F5)"));
    refresh.setOnAction(e -> model.refresh());
    for (Button b : new Button[] {run, cancel, results, open, refresh}) {
      b.setMinWidth(Region.USE_PREF_SIZE);
    }
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    VBox heading = new VBox(2, title, sub);
    HBox.setHgrow(heading, Priority.SOMETIMES);
    HBox top = new HBox(8, heading, spacer, run, cancel, results, open, refresh);
    top.setAlignment(Pos.TOP_LEFT);
    top.setPadding(new Insets(0, 0, 10, 0));
    setTop(top);

    list.setId("recipes-list");
    list.setItems(model.recipes());
    list.setPlaceholder(placeholder());
    list.setCellFactory(l -> new EntryCell());
    list.setMinWidth(170);
    list.getSelectionModel().selectedItemProperty().addListener((obs, old, now) -> {
      if (!syncing && now != null) {
        model.selectedProperty().set(now);
      }
    });
    model.selectedProperty().addListener((obs, old, now) -> syncSelection(now));
    model.recipes().addListener((ListChangeListener<Entry>) c ->
        syncSelection(model.selectedProperty().get()));

    pipeline.setId("recipes-pipeline");
    pipeline.setPadding(new Insets(4));
    pipeline.setRowValignment(javafx.geometry.VPos.TOP);
    model.stages().addListener((ListChangeListener<StageItem>) c -> drawPipeline());
    ScrollPane pipeScroll = new ScrollPane(pipeline);
    pipeScroll.setFitToWidth(true);
    pipeScroll.getStyleClass().add("edge-to-edge");
    pipeline.prefWrapLengthProperty().bind(pipeScroll.widthProperty().subtract(20));

    ListView<String> log = new ListView<>(model.log());
    log.setId("recipes-log");
    log.setPlaceholder(new Label("The runner's log shows here while a recipe runs."));
    log.getStyleClass().add("mono");
    model.log().addListener((ListChangeListener<String>) c ->
        log.scrollTo(Math.max(0, model.log().size() - 1)));

    Label fileLabel = new Label();
    fileLabel.getStyleClass().add("muted");
    fileLabel.textProperty().bind(Bindings.createStringBinding(() -> {
      Entry e = model.selectedProperty().get();
      return e == null ? "" : e.file() + (e.latest() == null ? "  ·  not run yet"
          : "  ·  recipe #" + e.latest().id() + " " + e.latest().status().toLowerCase(
              Locale.ROOT));
    }, model.selectedProperty()));
    Label pipeTitle = new Label("Pipeline");
    pipeTitle.getStyleClass().add("section-title");
    VBox pipeBox = new VBox(6, pipeTitle, fileLabel, pipeScroll);
    VBox.setVgrow(pipeScroll, Priority.ALWAYS);
    SplitPane right = new SplitPane(pipeBox, log);
    right.setOrientation(Orientation.VERTICAL);
    right.setDividerPositions(0.74);
    SplitPane split = new SplitPane(list, right);
    split.setDividerPositions(0.22);
    SplitPane.setResizableWithParent(list, false);
    setCenter(split);

    ProgressBar bar = new ProgressBar();
    bar.setId("recipes-progress");
    bar.setPrefWidth(200);
    bar.progressProperty().bind(model.progressProperty());
    bar.visibleProperty().bind(model.runningProperty());
    Label status = new Label();
    status.setId("recipes-status");
    status.textProperty().bind(model.statusProperty());
    Label error = new Label();
    error.setId("recipes-error");
    error.getStyleClass().add("error-text");
    error.textProperty().bind(model.errorProperty());
    error.setWrapText(true);
    HBox foot = new HBox(10, bar, status, error);
    foot.setAlignment(Pos.CENTER_LEFT);
    foot.setPadding(new Insets(8, 0, 0, 0));
    setBottom(foot);

    addEventFilter(KeyEvent.KEY_PRESSED, e -> {
      if (new KeyCodeCombination(KeyCode.R, KeyCombination.SHORTCUT_DOWN).match(e)) {
        model.run();
      } else if (new KeyCodeCombination(KeyCode.O, KeyCombination.SHORTCUT_DOWN).match(e)) {
        openFile();
      } else if (e.getCode() == KeyCode.F5) {
        model.refresh();
      } else if (e.getCode() == KeyCode.ESCAPE && model.runningProperty().get()) {
        model.cancel();
      } else {
        return;
      }
      e.consume();
    });
    drawPipeline();
    // shown: the list has the focus, so the arrows pick a recipe and Ctrl+R runs it
    sceneProperty().addListener((obs, old, scene) -> {
      if (scene != null) {
        UiExecutor.afterThisEvent().execute(list::requestFocus);
      }
    });
  }

  private String runText() {
    Entry e = model.selectedProperty().get();
    if (e == null || e.latest() == null || e.latest().status().equals("DONE")) {
      return "Run";
    }
    return "Resume";
  }

  private static Node placeholder() {
    Label l = new Label("No recipes yet. Load the samples on the Welcome page, or Open… a "
        + "recipe file.");
    l.setWrapText(true);
    l.getStyleClass().add("muted");
    return l;
  }

  private void syncSelection(Entry now) {
    syncing = true;
    try {
      if (now == null) {
        list.getSelectionModel().clearSelection();
        return;
      }
      for (int i = 0; i < list.getItems().size(); i++) {
        if (list.getItems().get(i).file().equals(now.file())) {
          if (list.getSelectionModel().getSelectedIndex() != i) {
            list.getSelectionModel().select(i);
          }
          return;
        }
      }
    } finally {
      syncing = false;
    }
  }

  private void openFile() {
    FileChooser fc = new FileChooser();
    fc.setTitle("Open a recipe");
    fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Recipe (YAML)", "*.yaml",
        "*.yml"));
    File f = fc.showOpenDialog(getScene() == null ? null : getScene().getWindow());
    if (f != null) {
      model.open(f.toPath());
    }
  }

  private void drawPipeline() {
    pipeline.getChildren().clear();
    if (model.stages().isEmpty()) {
      Label none = new Label(model.selectedProperty().get() == null ? "Pick a recipe."
          : model.selectedProperty().get().valid() ? "This recipe has no stages."
          : model.selectedProperty().get().error());
      none.getStyleClass().add("muted");
      none.setWrapText(true);
      pipeline.getChildren().add(none);
      return;
    }
    // one column per stage; an eval stage goes under the stage whose model it evaluates
    VBox column = null;
    for (StageItem s : model.stages()) {
      if (s.evaluation() && column != null) {
        column.getChildren().add(stageBox(s));
        continue;
      }
      if (!pipeline.getChildren().isEmpty()) {
        Label arrow = new Label("→");
        arrow.getStyleClass().add("pipeline-arrow");
        pipeline.getChildren().add(arrow);
      }
      column = new VBox(8, stageBox(s));
      column.getStyleClass().add("pipeline-column");
      pipeline.getChildren().add(column);
    }
  }

  private Node stageBox(StageItem s) {
    Label name = new Label(s.name());
    name.getStyleClass().add("stage-name");
    Label status = new Label(statusText(s.status()));
    status.getStyleClass().addAll("stage-status", "stage-status-"
        + s.status().name().toLowerCase(Locale.ROOT));
    VBox box = new VBox(3, name);
    if (!s.algorithm().equals(s.name())) {
      Label algo = new Label(s.algorithm());
      algo.getStyleClass().add("muted");
      box.getChildren().add(algo);
    }
    box.getChildren().add(status);
    box.getStyleClass().addAll("stage", "stage-" + s.status().name().toLowerCase(Locale.ROOT));
    box.setId("stage-" + s.name());
    if (s.runId() != null) {
      Hyperlink run = new Hyperlink("Run " + s.runId());
      run.setId("stage-" + s.name() + "-run");
      run.setTooltip(new Tooltip(s.status() == Status.RUNNING
          ? "Follow its curves live on the Train page"
          : "Its curves, checkpoints and config on the Runs page"));
      run.setOnAction(e -> model.openRun(s));
      box.getChildren().add(run);
    }
    if (s.checkpoint() != null && (s.evaluation() || s.training())
        && s.status() == Status.DONE) {
      Hyperlink eval = new Hyperlink(s.evaluation() ? "Evaluation" : "Evaluate");
      eval.setId("stage-" + s.name() + "-eval");
      eval.setTooltip(new Tooltip((s.evaluation() ? "Its results" : "Its checkpoint")
          + " on the Evaluate page: " + Path.of(s.checkpoint()).getFileName()));
      eval.setOnAction(e -> model.openEvaluation(s));
      box.getChildren().add(eval);
    }
    if (s.error() != null && !s.error().isBlank()) {
      Label why = new Label(s.error());
      why.getStyleClass().add("error-text");
      why.setWrapText(true);
      why.setMaxWidth(220);
      why.setMaxHeight(60);
      box.getChildren().add(why);
      Tooltip.install(box, new Tooltip(s.error()));
    }
    return box;
  }

  private static String statusText(Status s) {
    return switch (s) {
      case DONE -> "✓ done";
      case RUNNING -> "● running";
      case WAITING -> "○ waiting";
      case FAILED -> "✕ failed";
      case INTERRUPTED -> "‖ interrupted";
    };
  }

  private static final class EntryCell extends ListCell<Entry> {
    @Override
    protected void updateItem(Entry e, boolean empty) {
      super.updateItem(e, empty);
      if (empty || e == null) {
        setText(null);
        setGraphic(null);
        setTooltip(null);
        return;
      }
      Label name = new Label(e.name());
      name.getStyleClass().add("stage-name");
      String state = !e.valid() ? "invalid" : e.latest() == null ? "not run"
          : "#" + e.latest().id() + " " + e.latest().status().toLowerCase(Locale.ROOT);
      Label detail = new Label(e.file().getFileName() + " · " + state);
      detail.getStyleClass().add("muted");
      setText(null);
      setGraphic(new VBox(1, name, detail));
      setTooltip(new Tooltip(e.file() + "\n" + state + (e.error() == null ? ""
          : "\n" + e.error())));
    }
  }

  public RecipesViewModel model() {
    return model;
  }
}
