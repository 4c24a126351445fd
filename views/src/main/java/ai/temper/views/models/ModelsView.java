package ai.temper.views.models;

import ai.temper.engine.models.LineageNode;
import ai.temper.engine.models.ModelPreset;
import ai.temper.engine.models.Sizes;
import ai.temper.engine.models.hub.SuggestedModel;
import ai.temper.engine.store.ModelKind;
import ai.temper.engine.store.ModelRepository.ModelRow;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.control.TreeCell;
import javafx.scene.control.TreeItem;
import javafx.scene.control.TreeView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

/**
 * The Models page: the library in a table, the lineage tree (base models with the checkpoints
 * and adapters trained from them), the selected model's details, and actions to add a model
 * from disk, download one from the Hub, create one from scratch, or remove one.
 */
public final class ModelsView extends BorderPane {
  private final ModelsViewModel model;
  private final TableView<ModelRow> table = new TableView<>();
  private final HBox actions = new HBox(8);
  private final TreeView<LineageNode> tree = new TreeView<>();
  private boolean syncing;
  private Node jobs;

  public ModelsView(ModelsViewModel model) {
    this.model = model;
    getStyleClass().add("page");
    table.setItems(model.models());
    table.setPlaceholder(ai.temper.views.common.TablePage.placeholder("No models yet: add a "
        + "folder (Add...), download one from the Hub, or create a tiny model from scratch."));
    table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
    table.setId("models-table");
    column("ID", ModelRow::id, 50);
    column("Name", ModelRow::name, 200);
    column("Kind", ModelRow::kind, 85);
    column("Params", m -> m.parameters() == null ? "" : Sizes.parameters(m.parameters()), 70);
    column("Format", ModelRow::format, 65);
    column("Size", m -> m.sizeBytes() == null ? "" : Sizes.bytes(m.sizeBytes()), 75);
    column("Source", ModelRow::source, 240);

    Button add = action("Add folder…", this::addFromDisk, "models-add");
    Button download = action("Download from Hub…", this::download, "models-download");
    Button create = action("Create tiny model…", this::create, "models-create");
    Button remove = action("Remove", this::remove, "models-remove");
    action("Refresh", model::refresh, "models-refresh");
    remove.disableProperty().bind(model.selectedProperty().isNull().or(model.busyProperty()));
    add.disableProperty().bind(model.busyProperty());
    download.disableProperty().bind(model.busyProperty());
    create.disableProperty().bind(model.busyProperty());
    setTop(header());

    table.getSelectionModel().selectedItemProperty().addListener((obs, old, now) -> {
      if (!syncing) {
        model.selectedProperty().set(now);
      }
    });
    tree.setId("models-lineage");
    tree.setShowRoot(false);
    tree.setCellFactory(t -> new LineageCell());
    tree.getSelectionModel().selectedItemProperty().addListener((obs, old, now) -> {
      if (!syncing && now != null && now.getValue() != null) {
        model.select(now.getValue().model().id());
      }
    });
    model.lineageProperty().addListener((obs, old, now) -> rebuildTree(now));
    model.selectedProperty().addListener((obs, old, now) -> showSelection(now));

    TextArea details = new TextArea();
    details.setId("models-details");
    details.setEditable(false);
    details.setWrapText(false);
    details.setStyle("-fx-font-family: monospace;");
    details.textProperty().bind(Bindings.when(model.selectedProperty().isNull())
        .then("Select a model to see its config, size, tokenizer, lineage and evaluations.")
        .otherwise(model.detailsTextProperty()));

    Label lineageTitle = new Label("Lineage");
    lineageTitle.getStyleClass().add("muted");
    VBox lineageBox = new VBox(4, lineageTitle, tree);
    VBox.setVgrow(tree, Priority.ALWAYS);
    SplitPane left = new SplitPane(table, lineageBox);
    left.setOrientation(Orientation.VERTICAL);
    left.setDividerPositions(0.6);
    SplitPane split = new SplitPane(left, details);
    split.setDividerPositions(0.6);
    setCenter(split);
    jobs = jobBar();
    setBottom(jobs);
    model.refresh();
  }

  private Node header() {
    Label title = new Label("Models");
    title.getStyleClass().add("page-title");
    Label sub = new Label("Base models from disk or the Hugging Face Hub, models created from "
        + "scratch, and every checkpoint and adapter trained from them.");
    sub.getStyleClass().add("page-subtitle");
    sub.setWrapText(true);
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    actions.setMinWidth(Region.USE_PREF_SIZE);
    HBox top = new HBox(12, new VBox(2, title, sub), spacer, actions);
    top.setPadding(new Insets(0, 0, 12, 0));
    return top;
  }

  private <V> void column(String name, Function<ModelRow, V> value, double width) {
    TableColumn<ModelRow, V> c = new TableColumn<>(name);
    c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
    ai.temper.views.common.TablePage.fit(c, width);
    table.getColumns().add(c);
  }

  private Button action(String text, Runnable onAction, String id) {
    Button b = new Button(text);
    b.setId(id);
    b.setOnAction(e -> onAction.run());
    actions.getChildren().add(b);
    return b;
  }

  /** The running action: title, progress bar, message and cancel; then any error. */
  private Node jobBar() {
    ProgressBar bar = new ProgressBar();
    bar.setId("models-progress");
    bar.setPrefWidth(240);
    bar.progressProperty().bind(model.progressProperty());
    Label title = new Label();
    title.textProperty().bind(model.jobTitleProperty());
    Label message = new Label();
    message.setId("models-job-message");
    message.textProperty().bind(model.jobMessageProperty());
    message.getStyleClass().add("muted");
    Button cancel = new Button("Cancel");
    cancel.setId("models-cancel");
    cancel.setOnAction(e -> model.cancel());
    HBox running = new HBox(8, title, bar, cancel, message);
    running.setAlignment(Pos.CENTER_LEFT);
    running.visibleProperty().bind(model.busyProperty());
    running.managedProperty().bind(model.busyProperty());
    Label error = new Label();
    error.setId("models-error");
    error.getStyleClass().add("error-text");
    error.setWrapText(true);
    error.textProperty().bind(model.errorProperty());
    VBox box = new VBox(4, running, error);
    box.setPadding(new Insets(8, 0, 0, 0));
    return box;
  }

  private void showSelection(ModelRow m) {
    syncing = true;
    try {
      if (m == null) {
        table.getSelectionModel().clearSelection();
        tree.getSelectionModel().clearSelection();
        return;
      }
      table.getItems().stream().filter(r -> r.id() == m.id()).findFirst()
          .ifPresent(r -> {
            table.getSelectionModel().select(r);
            table.scrollTo(r);
          });
      TreeItem<LineageNode> item = find(tree.getRoot(), m.id());
      if (item != null) {
        tree.getSelectionModel().select(item);
      }
    } finally {
      syncing = false;
    }
  }

  private void rebuildTree(List<LineageNode> forest) {
    TreeItem<LineageNode> root = new TreeItem<>();
    for (LineageNode n : forest) {
      root.getChildren().add(item(n));
    }
    syncing = true;
    try {
      tree.setRoot(root);
    } finally {
      syncing = false;
    }
    showSelection(model.selectedProperty().get());
  }

  private static TreeItem<LineageNode> item(LineageNode n) {
    TreeItem<LineageNode> it = new TreeItem<>(n);
    it.setExpanded(true);
    for (LineageNode c : n.children()) {
      it.getChildren().add(item(c));
    }
    return it;
  }

  private static TreeItem<LineageNode> find(TreeItem<LineageNode> at, long id) {
    if (at == null) {
      return null;
    }
    if (at.getValue() != null && at.getValue().model().id() == id) {
      return at;
    }
    for (TreeItem<LineageNode> c : at.getChildren()) {
      TreeItem<LineageNode> f = find(c, id);
      if (f != null) {
        return f;
      }
    }
    return null;
  }

  /** "name  [checkpoint, sft, step 200]". */
  static String label(LineageNode n) {
    ModelRow m = n.model();
    StringBuilder sb = new StringBuilder(m.name()).append("  [").append(m.kind());
    if (n.algorithm() != null) {
      sb.append(", ").append(n.algorithm());
    }
    if (m.step() != null) {
      sb.append(", step ").append(m.step());
    }
    if (m.parameters() != null) {
      sb.append(", ").append(Sizes.parameters(m.parameters()));
    }
    return sb.append(']').toString();
  }

  private static final class LineageCell extends TreeCell<LineageNode> {
    @Override
    protected void updateItem(LineageNode n, boolean empty) {
      super.updateItem(n, empty);
      setText(empty || n == null ? null : label(n));
    }
  }

  // ------------------------------------------------------------------ dialogs

  /** The "add from disk" dialog (also the welcome page's "Open from disk"). */
  public void addFromDisk() {
    Dialog<ButtonType> d = dialog("Add a model from disk",
        "A Hugging Face folder (config.json + *.safetensors), a llama2.c .bin file with its "
            + "tokenizer beside it, a folder holding one, or a LoRA adapter folder.");
    TextField path = new TextField();
    path.setId("models-add-path");
    path.setPrefColumnCount(28);
    Button folder = new Button("Folder…");
    folder.setOnAction(e -> {
      File f = new DirectoryChooser().showDialog(getScene().getWindow());
      if (f != null) {
        path.setText(f.getPath());
      }
    });
    Button file = new Button("File…");
    file.setOnAction(e -> {
      FileChooser fc = new FileChooser();
      fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("llama2.c checkpoint",
          "*.bin"));
      File f = fc.showOpenDialog(getScene().getWindow());
      if (f != null) {
        path.setText(f.getPath());
      }
    });
    TextField name = new TextField();
    name.setId("models-add-name");
    name.setPromptText("default: the file or folder name");
    CheckBox copy = new CheckBox("Copy into the home's model cache (else refer to it in place)");
    copy.setId("models-add-copy");
    GridPane g = grid();
    g.addRow(0, new Label("Path"), fieldRow(path, folder, file));
    g.addRow(1, new Label("Name"), name);
    g.add(copy, 1, 2);
    d.getDialogPane().setContent(g);
    okEnabledWhen(d, path);
    Optional<ButtonType> r = d.showAndWait();
    if (r.isPresent() && r.get() == ButtonType.OK) {
      model.addFromDisk(Path.of(path.getText().strip()), name.getText(), copy.isSelected());
    }
  }

  private void download() {
    download("");
  }

  /**
   * The download dialog with {@code suggested} in the repository field (the welcome page's
   * pick), and the suggested small models to choose from.
   */
  public void download(String suggested) {
    Dialog<ButtonType> d = dialog("Download from the Hugging Face Hub",
        "Only what a model needs comes down: config, safetensors weights, tokenizer and chat "
            + "template, verified against the Hub's sizes and hashes. HF_ENDPOINT and HF_TOKEN "
            + "are honoured. A cancelled download resumes next time.");
    TextField repo = new TextField();
    repo.setId("models-download-repo");
    repo.setPromptText("e.g. HuggingFaceTB/SmolLM2-135M");
    repo.setPrefColumnCount(30);
    TextField revision = new TextField("main");
    revision.setId("models-download-revision");
    repo.setText(suggested == null ? "" : suggested);
    ListView<SuggestedModel> picks = new ListView<>(
        javafx.collections.FXCollections.observableArrayList(SuggestedModel.ALL));
    picks.setId("models-download-suggestions");
    picks.setPrefHeight(6 * 26 + 4);
    picks.setCellFactory(l -> new javafx.scene.control.ListCell<>() {
      @Override
      protected void updateItem(SuggestedModel m, boolean empty) {
        super.updateItem(m, empty);
        setText(empty || m == null ? null : m.label());
      }
    });
    picks.getSelectionModel().selectedItemProperty().addListener((obs, old, now) -> {
      if (now != null) {
        repo.setText(now.repoId());
      }
    });
    GridPane g = grid();
    g.addRow(0, new Label("Repository"), repo);
    g.addRow(1, new Label("Revision"), revision);
    g.addRow(2, new Label("Suggested"), picks);
    d.getDialogPane().setContent(g);
    okEnabledWhen(d, repo);
    Optional<ButtonType> r = d.showAndWait();
    if (r.isPresent() && r.get() == ButtonType.OK) {
      model.download(repo.getText(), revision.getText());
    }
  }

  private void create() {
    Dialog<ButtonType> d = dialog("Create a model from scratch",
        "Random weights (Hugging Face Llama initialisation) of a preset shape, to pretrain. "
            + "The tokenizer, and so the vocabulary, comes from an existing model.");
    ChoiceBox<ModelPreset> preset = new ChoiceBox<>();
    preset.setId("models-create-preset");
    preset.getItems().setAll(model.presets());
    preset.setValue(ModelPreset.TINY);
    preset.setConverter(new StringConverter<>() {
      @Override
      public String toString(ModelPreset p) {
        return p == null ? "" : p.describe();
      }

      @Override
      public ModelPreset fromString(String s) {
        return ModelPreset.parse(s);
      }
    });
    ComboBox<String> tokenizer = new ComboBox<>();
    tokenizer.setId("models-create-tokenizer");
    tokenizer.setEditable(true);
    model.models().stream().filter(m -> m.kind() != ModelKind.ADAPTER)
        .forEach(m -> tokenizer.getItems().add(m.name()));
    model.models().stream().filter(m -> m.name().startsWith("stories")).findFirst()
        .ifPresentOrElse(m -> tokenizer.setValue(m.name()), () -> {
          if (!tokenizer.getItems().isEmpty()) {
            tokenizer.setValue(tokenizer.getItems().get(0));
          }
        });
    TextField name = new TextField();
    name.setId("models-create-name");
    name.setPromptText("default: PRESET-scratch");
    TextField seed = new TextField("42");
    seed.setId("models-create-seed");
    preset.setMinWidth(120);
    preset.setMaxWidth(Double.MAX_VALUE);
    Tooltip presetTip = new Tooltip();
    presetTip.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
        () -> preset.getValue() == null ? "" : preset.getValue().describe(),
        preset.valueProperty()));
    preset.setTooltip(presetTip);
    tokenizer.setMaxWidth(Double.MAX_VALUE);
    GridPane g = grid();
    g.addRow(0, new Label("Shape"), preset);
    g.addRow(1, new Label("Tokenizer of"), tokenizer);
    g.addRow(2, new Label("Name"), name);
    g.addRow(3, new Label("Seed"), seed);
    d.getDialogPane().setContent(g);
    Optional<ButtonType> r = d.showAndWait();
    if (r.isPresent() && r.get() == ButtonType.OK) {
      long s;
      try {
        s = Long.parseLong(seed.getText().strip());
      } catch (NumberFormatException e) {
        s = 42;
      }
      model.create(preset.getValue(), tokenizer.getEditor().getText(), name.getText(), s);
    }
  }

  private void remove() {
    ModelRow m = model.selectedProperty().get();
    if (m == null) {
      return;
    }
    boolean force = model.hasDescendants(m);
    Alert a = new Alert(Alert.AlertType.CONFIRMATION);
    a.setTitle("Remove model");
    a.setHeaderText("Remove '" + m.name() + "' from the library?");
    a.setContentText((m.owned() ? "Its files in the model cache are deleted."
        : "Its files stay where they are: " + m.path())
        + (force ? "\nCheckpoints and adapters made from it stay, without a base." : ""));
    Optional<ButtonType> r = a.showAndWait();
    if (r.isPresent() && r.get() == ButtonType.OK) {
      model.remove(m, force);
    }
  }

  private static Dialog<ButtonType> dialog(String title, String header) {
    Dialog<ButtonType> d = new Dialog<>();
    d.setTitle(title);
    d.setHeaderText(header);
    d.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
    d.getDialogPane().setPrefWidth(640);
    return d;
  }

  private static void okEnabledWhen(Dialog<ButtonType> d, TextField required) {
    d.getDialogPane().lookupButton(ButtonType.OK).disableProperty()
        .bind(required.textProperty().isEmpty());
  }

  /**
   * A dialog form: labels keep their whole text, the fields take the width left, and buttons
   * in a row never shrink to "Fold..." (what does not fit wraps the dialog wider instead).
   */
  private static GridPane grid() {
    GridPane g = new GridPane();
    g.setHgap(8);
    g.setVgap(8);
    g.setPadding(new Insets(8));
    javafx.scene.layout.ColumnConstraints labels = new javafx.scene.layout.ColumnConstraints();
    labels.setMinWidth(Region.USE_PREF_SIZE);
    javafx.scene.layout.ColumnConstraints fields = new javafx.scene.layout.ColumnConstraints();
    fields.setHgrow(Priority.ALWAYS);
    fields.setFillWidth(true);
    g.getColumnConstraints().setAll(labels, fields);
    return g;
  }

  /** A row of a field and its buttons: the buttons keep their labels, the field shrinks. */
  private static HBox fieldRow(TextField field, Button... buttons) {
    HBox row = new HBox(6, field);
    for (Button b : buttons) {
      b.setMinWidth(Region.USE_PREF_SIZE);
      row.getChildren().add(b);
    }
    field.setMinWidth(120);
    HBox.setHgrow(field, Priority.ALWAYS);
    return row;
  }

  /** Adds the engine line (device picker, libtorch and device facts) above the job bar. */
  public void showEngine(EngineViewModel engine) {
    EngineBar bar = new EngineBar(engine);
    bar.setPadding(new Insets(8, 0, 0, 0));
    setBottom(new VBox(4, bar, jobs));
  }

  public ModelsViewModel model() {
    return model;
  }

  public TreeView<LineageNode> lineageTree() {
    return tree;
  }
}
