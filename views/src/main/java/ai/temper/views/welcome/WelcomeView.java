package ai.temper.views.welcome;

import ai.temper.engine.models.hub.SuggestedModel;
import ai.temper.views.common.UiExecutor;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

/**
 * The welcome page: four first steps as cards (load the samples, build the starter model,
 * download a model, open one from disk), the running job's progress under them. Ctrl+L loads
 * the samples, Ctrl+B builds the starter model, Esc cancels.
 */
public final class WelcomeView extends ScrollPane {
  private final WelcomeViewModel model;

  public WelcomeView(WelcomeViewModel model) {
    this.model = model;
    getStyleClass().addAll("page", "welcome");
    setFitToWidth(true);
    setId("welcome");

    Label title = new Label("Welcome to Temper");
    title.getStyleClass().add("page-title");
    Label sub = new Label("Post-train language models on your desktop: data, SFT, DPO, reward "
        + "models, RLVR and evaluation, kept in one home. Start with the samples, which need "
        + "nothing outside this program, or bring a model.");
    sub.getStyleClass().add("page-subtitle");
    sub.setWrapText(true);

    GridPane cards = new GridPane();
    cards.setHgap(14);
    cards.setVgap(14);
    ColumnConstraints half = new ColumnConstraints();
    half.setPercentWidth(50);
    half.setHgrow(Priority.ALWAYS);
    cards.getColumnConstraints().addAll(half, half);
    cards.add(samplesCard(), 0, 0);
    cards.add(starterCard(), 1, 0);
    cards.add(downloadCard(), 0, 1);
    cards.add(diskCard(), 1, 1);

    ProgressBar bar = new ProgressBar();
    bar.setId("welcome-progress");
    bar.setMaxWidth(Double.MAX_VALUE);
    bar.progressProperty().bind(model.progressProperty());
    bar.visibleProperty().bind(model.busyProperty());
    bar.managedProperty().bind(model.busyProperty());
    Button cancel = new Button("Cancel");
    cancel.setId("welcome-cancel");
    cancel.setTooltip(new Tooltip("Stop the running step (Esc)"));
    cancel.setOnAction(e -> model.cancel());
    cancel.visibleProperty().bind(model.busyProperty());
    cancel.managedProperty().bind(model.busyProperty());
    HBox.setHgrow(bar, Priority.ALWAYS);
    HBox progress = new HBox(8, bar, cancel);
    progress.setAlignment(Pos.CENTER_LEFT);
    Label status = new Label();
    status.setId("welcome-status");
    status.setWrapText(true);
    status.textProperty().bind(model.statusProperty());
    Label error = new Label();
    error.setId("welcome-error");
    error.getStyleClass().add("error-text");
    error.setWrapText(true);
    error.textProperty().bind(model.errorProperty());

    Label help = new Label("This page stays under Welcome in the navigation (F1).");
    help.getStyleClass().add("muted");
    VBox box = new VBox(12, new VBox(4, title, sub), cards, progress, status, error, help);
    box.setMaxWidth(1040);
    box.setPadding(new Insets(4, 4, 4, 4));
    javafx.scene.layout.StackPane centred = new javafx.scene.layout.StackPane(box);
    javafx.scene.layout.StackPane.setAlignment(box, Pos.TOP_CENTER);
    setContent(centred);
    // shown: the first action has the focus, so Enter or Space loads the samples
    sceneProperty().addListener((obs, old, scene) -> {
      if (scene != null) {
        UiExecutor.afterThisEvent().execute(() -> cards.getChildren().stream()
            .flatMap(c -> c.lookupAll("#welcome-load-samples").stream()).findFirst()
            .ifPresent(Node::requestFocus));
      }
    });

    addEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, e -> {
      if (new KeyCodeCombination(KeyCode.L, KeyCombination.SHORTCUT_DOWN).match(e)) {
        model.loadSamples();
        e.consume();
      } else if (new KeyCodeCombination(KeyCode.B, KeyCombination.SHORTCUT_DOWN).match(e)) {
        model.buildStarterModel();
        e.consume();
      } else if (e.getCode() == KeyCode.ESCAPE && model.busyProperty().get()) {
        model.cancel();
        e.consume();
      }
    });
  }

  private Node samplesCard() {
    Button load = primary("Load the samples", "welcome-load-samples",
        "Write the story world and import its datasets, evaluation suite and recipes (Ctrl+L)");
    load.setOnAction(e -> model.loadSamples());
    load.disableProperty().bind(model.busyProperty());
    Hyperlink datasets = link("Datasets", "welcome-open-datasets", "datasets");
    Hyperlink recipes = link("Recipes", "welcome-open-recipes", "recipes");
    Hyperlink evaluate = link("Evaluate", "welcome-open-evaluate", "evaluate");
    Label done = new Label("✓ Loaded — open");
    done.getStyleClass().add("welcome-done");
    HBox after = new HBox(2, done, datasets, recipes, evaluate);
    after.setAlignment(Pos.CENTER_LEFT);
    after.visibleProperty().bind(model.samplesLoadedProperty());
    return card("1", "Load the samples",
        "A small story world made on this machine: a pretraining corpus and its tokenizer, "
            + "chat SFT examples, preference pairs, RLVR prompts with verifiers, an evaluation "
            + "suite (development and unseen), and the recipes that use them. Seconds.",
        load, after);
  }

  private Node starterCard() {
    Button build = primary("Build the starter model", "welcome-build-starter",
        "Pretrain a tiny base on the story world as a job (Ctrl+B)");
    build.setOnAction(e -> model.buildStarterModel());
    build.disableProperty().bind(model.busyProperty());
    Label done = new Label();
    done.getStyleClass().add("welcome-done");
    done.textProperty().bind(Bindings.concat("✓ ", model.starterModelProperty()));
    Hyperlink chat = link("Chat with it", "welcome-open-chat", "chat");
    Hyperlink models = link("Models", "welcome-open-models", "models");
    HBox after = new HBox(2, done, chat, models);
    after.setAlignment(Pos.CENTER_LEFT);
    after.visibleProperty().bind(model.starterModelProperty().isNotEmpty());
    return card("2", "Build the starter model",
        "Pretrains a 260K-parameter base (the stories260K shape) on the story world: the "
            + "pretraining stage of the olmo-tiny recipe, minutes on a laptop CPU. "
            + "It lands in the model library, ready for chat and post-training.",
        build, after);
  }

  private Node downloadCard() {
    ComboBox<SuggestedModel> pick = new ComboBox<>();
    pick.setId("welcome-suggestions");
    pick.getItems().setAll(model.suggestions());
    pick.getSelectionModel().selectFirst();
    pick.setMaxWidth(Double.MAX_VALUE);
    pick.setConverter(new StringConverter<>() {
      @Override
      public String toString(SuggestedModel m) {
        return m == null ? "" : m.repoId();
      }

      @Override
      public SuggestedModel fromString(String s) {
        return null;
      }
    });
    Tooltip whole = new Tooltip();
    whole.textProperty().bind(Bindings.createStringBinding(() -> pick.getValue() == null ? ""
        : pick.getValue().label(), pick.valueProperty()));
    pick.setTooltip(whole);
    Label note = new Label();
    note.getStyleClass().add("muted");
    note.setWrapText(true);
    note.textProperty().bind(Bindings.createStringBinding(() -> {
      SuggestedModel m = pick.getValue();
      return m == null ? "" : m.size() + ", " + m.family() + ": " + m.note();
    }, pick.valueProperty()));
    Button download = new Button("Download…");
    download.setId("welcome-download");
    download.setTooltip(new Tooltip("Open the Hub download on the Models page"));
    download.setOnAction(e -> model.download(pick.getValue() == null ? ""
        : pick.getValue().repoId()));
    download.setMinWidth(Region.USE_PREF_SIZE);
    pick.setMinWidth(120);
    HBox row = new HBox(8, pick, download);
    HBox.setHgrow(pick, Priority.ALWAYS);
    return card("3", "Download a model",
        "Small real models from the Hugging Face Hub in families Temper runs (Llama, "
            + "SmolLM, Qwen, OLMo, Gemma, Phi): safetensors only, verified, resumable.",
        row, note);
  }

  private Node diskCard() {
    Button open = new Button("Open from disk…");
    open.setId("welcome-open-disk");
    open.setTooltip(new Tooltip("Add a Hugging Face folder or a llama2.c .bin to the library"));
    open.setOnAction(e -> model.openFromDisk());
    return card("4", "Open from disk",
        "A Hugging Face folder (config.json and safetensors), a llama2.c .bin with its "
            + "tokenizer, or a LoRA adapter: added by reference or copied into the home.",
        open, new Region());
  }

  private VBox card(String number, String heading, String text, Node action, Node after) {
    Label n = new Label(number);
    n.getStyleClass().add("welcome-number");
    Label h = new Label(heading);
    h.getStyleClass().add("welcome-heading");
    HBox head = new HBox(8, n, h);
    head.setAlignment(Pos.CENTER_LEFT);
    Label body = new Label(text);
    body.setWrapText(true);
    body.getStyleClass().add("muted");
    body.setMinHeight(Region.USE_PREF_SIZE);
    Region grow = new Region();
    VBox.setVgrow(grow, Priority.ALWAYS);
    VBox card = new VBox(8, head, body, grow, action, after);
    card.getStyleClass().add("welcome-card");
    card.setMaxHeight(Double.MAX_VALUE);
    return card;
  }

  private Button primary(String text, String id, String tip) {
    Button b = new Button(text);
    b.setId(id);
    b.getStyleClass().add("primary");
    b.setTooltip(new Tooltip(tip));
    return b;
  }

  private Hyperlink link(String text, String id, String page) {
    Hyperlink l = new Hyperlink(text);
    l.setId(id);
    l.setOnAction(e -> model.go(page));
    return l;
  }

  public WelcomeViewModel model() {
    return model;
  }
}
