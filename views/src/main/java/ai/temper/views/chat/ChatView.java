package ai.temper.views.chat;

import ai.temper.engine.chat.Verdict;
import ai.temper.engine.store.ConversationRepository.Summary;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.views.chat.ChatViewModel.ModelChoice;
import ai.temper.views.common.UiExecutor;
import java.io.File;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import javafx.beans.property.ObjectProperty;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
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
 * The Chat page: saved conversations on the left; model pickers, the chat column (two side by
 * side when comparing) and the input in the middle; system prompt and sampling settings on
 * the right. Side by side, three buttons judge the last pair of replies into a preference
 * dataset.
 */
public final class ChatView extends BorderPane {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

  private final ChatViewModel model;
  private final ListView<Summary> conversations = new ListView<>();
  // the spinners bind to these; kept as fields so the bindings are not collected
  private final ObjectProperty<Double> temperature;
  private final ObjectProperty<Double> topP;
  private final ObjectProperty<Integer> topK;
  private final ObjectProperty<Integer> maxNewTokens;
  private boolean syncing;

  public ChatView(ChatViewModel model) {
    this.model = model;
    this.temperature = model.temperatureProperty().asObject();
    this.topP = model.topPProperty().asObject();
    this.topK = model.topKProperty().asObject();
    this.maxNewTokens = model.maxNewTokensProperty().asObject();
    getStyleClass().add("page");
    setId("chat-page");
    setLeft(conversationList());
    setCenter(chatArea());
    setRight(settings());
  }

  public ChatViewModel model() {
    return model;
  }

  // ------------------------------------------------------------------ conversations

  private VBox conversationList() {
    Label title = new Label("Chat");
    title.getStyleClass().add("page-title");
    Button fresh = new Button("New chat");
    fresh.setId("chat-new");
    fresh.setOnAction(e -> {
      model.newConversation();
      syncing = true;
      conversations.getSelectionModel().clearSelection();
      syncing = false;
    });
    Button delete = new Button("Delete");
    delete.setId("chat-delete");
    delete.disableProperty().bind(conversations.getSelectionModel().selectedItemProperty()
        .isNull());
    delete.setOnAction(e -> {
      Summary s = conversations.getSelectionModel().getSelectedItem();
      if (s != null) {
        model.delete(s.id());
      }
    });
    conversations.setId("chat-conversations");
    conversations.setItems(model.conversations());
    conversations.setPlaceholder(ai.temper.views.common.TablePage.placeholder(
        "No conversations yet: pick a model and send a message; conversations are kept here."));
    conversations.setCellFactory(v -> new ListCell<>() {
      {
        setPrefWidth(0); // follow the list's width; long titles end with an ellipsis
      }

      @Override
      protected void updateItem(Summary s, boolean empty) {
        super.updateItem(s, empty);
        if (empty || s == null) {
          setText(null);
          return;
        }
        String name = s.title() == null || s.title().isBlank() ? "Conversation " + s.id()
            : s.title();
        setText(name + "\n" + (s.secondModelPath() != null ? "side by side · " : "")
            + s.messages() + " messages · "
            + (s.updatedAt() == null ? "" : WHEN.format(s.updatedAt())));
      }
    });
    conversations.getSelectionModel().selectedItemProperty().addListener((obs, old, now) -> {
      if (!syncing && now != null
          && !java.util.Objects.equals(now.id(), model.conversationIdProperty().get())) {
        model.open(now.id());
        if (model.generatingProperty().get()) {
          UiExecutor.afterThisEvent().execute(this::selectCurrent); // refused: keep the open one
        }
      }
    });
    // keep the open conversation selected when the list reloads
    model.conversations().addListener((javafx.collections.ListChangeListener<Summary>) c ->
        selectCurrent());
    model.conversationIdProperty().addListener((obs, old, now) -> selectCurrent());
    VBox.setVgrow(conversations, Priority.ALWAYS);
    HBox buttons = new HBox(8, fresh, delete);
    VBox box = new VBox(10, title, buttons, conversations);
    box.setPrefWidth(230);
    box.setPadding(new Insets(0, 14, 0, 0));
    return box;
  }

  private void selectCurrent() {
    Long id = model.conversationIdProperty().get();
    syncing = true;
    try {
      Summary pick = id == null ? null : model.conversations().stream()
          .filter(s -> s.id() == id).findFirst().orElse(null);
      if (pick == null) {
        conversations.getSelectionModel().clearSelection();
      } else {
        conversations.getSelectionModel().select(pick);
      }
    } finally {
      syncing = false;
    }
  }

  // ------------------------------------------------------------------ chat

  private BorderPane chatArea() {
    ToggleButton pair = new ToggleButton("Side by side");
    pair.setId("chat-side-by-side");
    pair.setMinWidth(Region.USE_PREF_SIZE);
    pair.selectedProperty().bindBidirectional(model.sideBySideProperty());
    pair.setTooltip(new Tooltip("Send each message to two models and judge their replies"));
    Label hint = new Label();
    hint.getStyleClass().add("muted");
    hint.textProperty().bind(javafx.beans.binding.Bindings.when(model.sideBySideProperty())
        .then("Each message goes to both models; judge each pair into a preference dataset.")
        .otherwise("Chat with a model from the library, a checkpoint folder, or a run "
            + "in progress (its newest checkpoint)."));
    hint.setWrapText(true);
    hint.setMinWidth(0);
    HBox.setHgrow(hint, Priority.ALWAYS);
    HBox top = new HBox(12, pair, hint);
    top.setAlignment(Pos.CENTER_LEFT);
    top.setPadding(new Insets(0, 0, 10, 0));

    Label leftName = new Label();
    leftName.textProperty().bind(javafx.beans.binding.Bindings.when(model.sideBySideProperty())
        .then("Left").otherwise("Model"));
    ChatColumn leftColumn = new ChatColumn("chat-column-left",
        pickerRow(leftName, "chat-model-left", "chat-open-left", model.leftModelProperty(), 0),
        model.leftItems(), this::copy, model::edit);
    ChatColumn rightColumn = new ChatColumn("chat-column-right",
        pickerRow(new Label("Right"), "chat-model-right", "chat-open-right",
            model.rightModelProperty(), 1),
        model.rightItems(), this::copy, model::edit);
    show(rightColumn, model.sideBySideProperty());
    HBox.setHgrow(leftColumn, Priority.ALWAYS);
    HBox.setHgrow(rightColumn, Priority.ALWAYS);
    leftColumn.setPrefWidth(0);
    rightColumn.setPrefWidth(0);
    HBox columns = new HBox(12, leftColumn, rightColumn);

    BorderPane area = new BorderPane();
    area.setTop(top);
    area.setCenter(columns);
    area.setBottom(new VBox(8, preferenceBar(), inputBar(), statusBar()));
    return area;
  }

  /** A column's header: its name, the model picker and the Open menu. */
  private HBox pickerRow(Label name, String pickerId, String openId,
      ObjectProperty<ModelChoice> choice, int side) {
    ComboBox<ModelChoice> picker = modelPicker(pickerId, choice);
    picker.setMinWidth(80);
    picker.setMaxWidth(Double.MAX_VALUE);
    HBox.setHgrow(picker, Priority.ALWAYS);
    MenuButton open = opener(openId, side);
    open.setMinWidth(Region.USE_PREF_SIZE);
    name.setMinWidth(Region.USE_PREF_SIZE);
    name.getStyleClass().add("pair-heading");
    HBox row = new HBox(6, name, picker, open);
    row.setAlignment(Pos.CENTER_LEFT);
    return row;
  }

  private ComboBox<ModelChoice> modelPicker(String id, ObjectProperty<ModelChoice> choice) {
    ComboBox<ModelChoice> box = new ComboBox<>(model.models());
    box.setId(id);
    box.setPromptText("pick a model");
    box.setPrefWidth(260);
    box.valueProperty().bindBidirectional(choice);
    // names that do not fit lose their middle, not their end ("sft stor…step-80"), and the
    // tooltip gives the whole name, so the two sides can be told apart
    box.setButtonCell(new javafx.scene.control.ListCell<>() {
      @Override
      protected void updateItem(ModelChoice c, boolean empty) {
        super.updateItem(c, empty);
        setTextOverrun(javafx.scene.control.OverrunStyle.CENTER_ELLIPSIS);
        setText(empty || c == null ? box.getPromptText() : box.getConverter() == null
            ? c.toString() : box.getConverter().toString(c));
      }
    });
    Tooltip tip = new Tooltip();
    tip.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
        () -> choice.get() == null ? "Pick a model" : choice.get().toString()
            + (choice.get().path() == null ? "" : "\n" + choice.get().path()), choice));
    box.setTooltip(tip);
    return box;
  }

  private MenuButton opener(String id, int side) {
    MenuItem folder = new MenuItem("Folder (Hugging Face model or run)…");
    folder.setOnAction(e -> {
      DirectoryChooser c = new DirectoryChooser();
      c.setTitle("Open a model folder");
      File f = c.showDialog(getScene().getWindow());
      if (f != null) {
        model.openModel(f.toPath(), side);
      }
    });
    MenuItem file = new MenuItem("File (llama2.c .bin)…");
    file.setOnAction(e -> {
      FileChooser c = new FileChooser();
      c.setTitle("Open a llama2.c checkpoint");
      c.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("llama2.c", "*.bin"),
          new FileChooser.ExtensionFilter("All files", "*"));
      File f = c.showOpenDialog(getScene().getWindow());
      if (f != null) {
        model.openModel(f.toPath(), side);
      }
    });
    MenuButton open = new MenuButton("Open…", null, folder, file);
    open.setTooltip(new Tooltip("Open a model folder or file that is not in the library"));
    open.setId(id);
    return open;
  }

  private javafx.scene.layout.FlowPane preferenceBar() {
    Label ask = new Label("Which reply is better?");
    Button leftBetter = judge("◀ Left better", "chat-left-better", Verdict.LEFT);
    Button tie = judge("Tie", "chat-tie", Verdict.TIE);
    Button rightBetter = judge("Right better ▶", "chat-right-better", Verdict.RIGHT);
    tie.setTooltip(new Tooltip("Recorded with the conversation; not added to the dataset"));
    ComboBox<DatasetInfo> datasets = new ComboBox<>(model.preferenceDatasets());
    datasets.setId("chat-dataset");
    datasets.setPromptText("preference dataset");
    datasets.valueProperty().bindBidirectional(model.datasetProperty());
    datasets.setConverter(new StringConverter<>() {
      @Override
      public String toString(DatasetInfo d) {
        return d == null ? "" : d.name() + " (" + d.rowCount() + ")";
      }

      @Override
      public DatasetInfo fromString(String s) {
        return null;
      }
    });
    Button create = new Button("New dataset…");
    create.setId("chat-new-dataset");
    create.setOnAction(e -> {
      TextInputDialog d = new TextInputDialog("chat-preferences");
      d.setTitle("New preference dataset");
      d.setHeaderText("Name of the new preference dataset");
      d.showAndWait().ifPresent(model::createPreferenceDataset);
    });
    HBox judge = new HBox(8, ask, leftBetter, tie, rightBetter);
    judge.setAlignment(Pos.CENTER_LEFT);
    HBox save = new HBox(8, new Label("Save pairs into"), datasets, create);
    save.setAlignment(Pos.CENTER_LEFT);
    for (Region r : new Region[] {ask, leftBetter, tie, rightBetter, create}) {
      r.setMinWidth(Region.USE_PREF_SIZE);
    }
    javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(24, 6, judge, save);
    bar.setId("chat-preference-bar");
    show(bar, model.sideBySideProperty());
    return bar;
  }

  private Button judge(String text, String id, Verdict v) {
    Button b = new Button(text);
    b.setId(id);
    b.disableProperty().bind(model.judgeableProperty().not());
    b.setOnAction(e -> model.judge(v));
    return b;
  }

  private HBox inputBar() {
    TextArea input = new TextArea();
    input.setId("chat-input");
    input.setPromptText("Message (Ctrl+Enter sends)");
    input.setPrefRowCount(3);
    input.setWrapText(true);
    input.textProperty().bindBidirectional(model.inputProperty());
    input.setOnKeyPressed(e -> {
      if (e.getCode() == KeyCode.ENTER && e.isShortcutDown()) {
        e.consume();
        model.send();
      }
    });
    HBox.setHgrow(input, Priority.ALWAYS);
    var idle = model.generatingProperty().not().and(model.busyProperty().not());
    Button send = new Button("Send");
    send.setId("chat-send");
    send.getStyleClass().add("primary");
    send.setDefaultButton(false);
    send.disableProperty().bind(idle.not().or(model.inputProperty().isEmpty()));
    send.setOnAction(e -> model.send());
    Button stop = new Button("Stop");
    stop.setId("chat-stop");
    stop.disableProperty().bind(model.generatingProperty().not());
    stop.setOnAction(e -> model.stop());
    Button regenerate = new Button("Regenerate");
    regenerate.setId("chat-regenerate");
    regenerate.disableProperty().bind(idle.not()
        .or(model.conversationIdProperty().isNull()));
    regenerate.setOnAction(e -> model.regenerate());
    Button copy = new Button("Copy");
    copy.setId("chat-copy");
    copy.setTooltip(new Tooltip("Copy the last reply"));
    copy.setOnAction(e -> toClipboard(model.lastReplyText()));
    VBox buttons = new VBox(6, send, stop, regenerate, copy);
    for (var n : buttons.getChildren()) {
      ((Button) n).setMaxWidth(Double.MAX_VALUE);
      ((Button) n).setMinWidth(Region.USE_PREF_SIZE);
    }
    return new HBox(8, input, buttons);
  }

  private HBox statusBar() {
    Label status = new Label();
    status.setId("chat-status");
    status.getStyleClass().add("muted");
    status.textProperty().bind(model.statusProperty());
    Label error = new Label();
    error.setId("chat-error");
    error.getStyleClass().add("error-text");
    error.setWrapText(true);
    error.textProperty().bind(model.errorProperty());
    return new HBox(16, status, error);
  }

  private void copy(ChatItem item) {
    toClipboard(item.text());
  }

  private static void toClipboard(String text) {
    ClipboardContent c = new ClipboardContent();
    c.putString(text);
    Clipboard.getSystemClipboard().setContent(c);
  }

  // ------------------------------------------------------------------ settings

  private TitledPane settings() {
    TextArea system = new TextArea();
    system.setId("chat-system");
    system.setPromptText("System prompt (optional)");
    system.setWrapText(true);
    system.setPrefRowCount(5);
    system.textProperty().bindBidirectional(model.systemPromptProperty());

    Spinner<Double> temp = new Spinner<>(new SpinnerValueFactory.DoubleSpinnerValueFactory(
        0, 2, 0.8, 0.1));
    temp.setId("chat-temperature");
    temp.getValueFactory().valueProperty().bindBidirectional(temperature);
    Spinner<Double> p = new Spinner<>(new SpinnerValueFactory.DoubleSpinnerValueFactory(
        0.01, 1, 0.95, 0.05));
    p.setId("chat-top-p");
    p.getValueFactory().valueProperty().bindBidirectional(topP);
    Spinner<Integer> k = new Spinner<>(0, 100_000, 0, 5);
    k.setId("chat-top-k");
    k.getValueFactory().valueProperty().bindBidirectional(topK);
    Spinner<Integer> max = new Spinner<>(1, 100_000, 256, 32);
    max.setId("chat-max-new-tokens");
    max.getValueFactory().valueProperty().bindBidirectional(maxNewTokens);
    TextField seed = new TextField();
    seed.setId("chat-seed");
    seed.setPromptText("random");
    seed.textProperty().bindBidirectional(model.seedProperty());
    for (Spinner<?> s : new Spinner<?>[] {temp, p, k, max}) {
      s.setEditable(true);
      s.setPrefWidth(110);
    }
    seed.setPrefWidth(110);

    GridPane grid = new GridPane();
    grid.setHgap(8);
    grid.setVgap(8);
    grid.addRow(0, new Label("Temperature"), temp);
    grid.addRow(1, new Label("Top-p"), p);
    grid.addRow(2, new Label("Top-k"), k);
    grid.addRow(3, new Label("Max new tokens"), max);
    grid.addRow(4, new Label("Seed"), seed);
    Label hint = new Label("Temperature 0 is greedy. Top-k 0 and top-p 1 are off. A blank "
        + "seed samples differently each time.");
    hint.getStyleClass().add("muted");
    hint.setWrapText(true);
    VBox box = new VBox(10, new Label("System prompt"), system, grid, hint);
    box.setPadding(new Insets(8));
    // in a short window the settings scroll instead of being cut off
    javafx.scene.control.ScrollPane scroll = new javafx.scene.control.ScrollPane(box);
    scroll.setFitToWidth(true);
    scroll.setHbarPolicy(javafx.scene.control.ScrollPane.ScrollBarPolicy.NEVER);
    scroll.setId("chat-settings-scroll");
    TitledPane pane = new TitledPane("Settings", scroll);
    pane.setCollapsible(false);
    pane.setPrefWidth(270);
    pane.setMaxHeight(Double.MAX_VALUE);
    BorderPane.setMargin(pane, new Insets(0, 0, 0, 14));
    return pane;
  }

  private static void show(javafx.scene.Node n, javafx.beans.value.ObservableBooleanValue on) {
    n.visibleProperty().bind(on);
    n.managedProperty().bind(on);
  }
}
