package ai.temper.views.datasets;

import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The Datasets page: the datasets on the left; on the right a searchable, paged table of the
 * selected dataset's examples with the opened example beside it (chat bubbles, or a pair side
 * by side), and a statistics tab. Everything it shows comes from {@link DatasetsViewModel};
 * the page never touches the database itself.
 */
public final class DatasetsView {
  private final DatasetsViewModel model;
  private final BorderPane root = new BorderPane();
  private ImportDialog importDialog;

  public DatasetsView(DatasetsViewModel model) {
    this.model = model;
    root.setId("datasetsPage");
    root.getStylesheets().add(DatasetsView.class.getResource("datasets.css").toExternalForm());
    root.setLeft(datasetList());
    root.setCenter(detail());
    Label status = new Label();
    status.setId("status");
    status.textProperty().bind(model.statusProperty());
    status.setPadding(new Insets(4, 8, 4, 8));
    root.setBottom(status);
    model.refreshDatasets();
  }

  /** The page, to place in the workbench's main window. */
  public Node getRoot() {
    return root;
  }

  public DatasetsViewModel model() {
    return model;
  }

  private Node datasetList() {
    ListView<DatasetInfo> list = new ListView<>(model.datasets());
    list.setId("datasetList");
    list.setPlaceholder(ai.temper.views.common.TablePage.placeholder(
        "No datasets yet: Import… adds one."));
    list.setCellFactory(v -> new ListCell<>() {
      @Override
      protected void updateItem(DatasetInfo d, boolean empty) {
        super.updateItem(d, empty);
        if (empty || d == null) {
          setText(null);
          setGraphic(null);
          return;
        }
        Label name = new Label(d.name());
        name.getStyleClass().add("dataset-name");
        Label facts = new Label(String.format("%s · %,d rows · %s", d.kind(), d.rowCount(),
            d.format()));
        facts.getStyleClass().add("dataset-facts");
        setText(null);
        setGraphic(new VBox(1, name, facts));
      }
    });
    list.getSelectionModel().selectedItemProperty().addListener((obs, old, now) -> {
      if (now != null && (model.selectedDatasetProperty().get() == null
          || model.selectedDatasetProperty().get().id() != now.id())) {
        model.selectedDatasetProperty().set(now);
      }
    });
    model.selectedDatasetProperty().addListener((obs, old, now) -> {
      if (now == null) {
        list.getSelectionModel().clearSelection();
      } else if (list.getSelectionModel().getSelectedItem() == null
          || list.getSelectionModel().getSelectedItem().id() != now.id()) {
        list.getItems().stream().filter(d -> d.id() == now.id()).findFirst()
            .ifPresent(d -> list.getSelectionModel().select(d));
      }
    });
    VBox.setVgrow(list, Priority.ALWAYS);

    Button importButton = new Button("Import…");
    importButton.setId("importButton");
    importButton.setOnAction(e -> openImportDialog());
    Button delete = new Button("Delete");
    delete.setId("deleteButton");
    delete.disableProperty().bind(model.selectedDatasetProperty().isNull());
    delete.setOnAction(e -> confirmDelete());
    Button refresh = new Button("Refresh");
    refresh.setId("refreshButton");
    refresh.setOnAction(e -> model.refreshDatasets());
    Label title = new Label("Datasets");
    title.getStyleClass().add("page-title");
    VBox left = new VBox(6, title, list, new HBox(6, importButton, delete, refresh));
    left.setPadding(new Insets(8));
    left.setPrefWidth(260);
    return left;
  }

  /** Opens the import dialog (one per page; it keeps its fields between openings). */
  public void openImportDialog() {
    if (importDialog == null) {
      importDialog = new ImportDialog(model, root.getScene() == null ? null
          : root.getScene().getWindow());
    }
    if (!importDialog.isShowing()) {
      model.importModel().clearForm(); // each opening starts empty, not with the last import
    }
    importDialog.show();
  }

  private void confirmDelete() {
    DatasetInfo d = model.selectedDatasetProperty().get();
    if (d == null) {
      return;
    }
    Alert a = new Alert(Alert.AlertType.CONFIRMATION, String.format("Delete '%s' and its %,d "
        + "examples?", d.name(), d.rowCount()), ButtonType.OK, ButtonType.CANCEL);
    a.setHeaderText(null);
    a.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> model.deleteSelected());
  }

  private Node detail() {
    Label info = new Label();
    info.setId("datasetInfo");
    info.getStyleClass().add("dataset-info");
    info.setWrapText(true);
    info.textProperty().bind(Bindings.createStringBinding(() -> {
      DatasetInfo d = model.selectedDatasetProperty().get();
      if (d == null) {
        return model.datasets().isEmpty()
            ? "No datasets yet. Import a JSONL, JSON or Parquet file with Import… (chat, "
                + "preference, HH-RLHF, GSM8K or plain text rows), or try samples/chat-stories.jsonl."
            : "Select a dataset on the left to see its examples and statistics.";
      }
      return String.format("%s — %s, %,d rows, from %s%s%s", d.name(), d.kind(), d.rowCount(),
          d.format(), d.sourcePath() == null ? "" : "\nsource: " + d.sourcePath(),
          d.contentHash() == null ? "" : "  sha256: " + d.contentHash().substring(0, 16) + "…");
    }, model.selectedDatasetProperty(), model.datasets()));

    Tab examplesTab = new Tab("Examples", examples());
    examplesTab.setId("examplesTab");
    Tab statsTab = new Tab("Statistics", new StatisticsPane(model));
    statsTab.setId("statsTab");
    TabPane tabs = new TabPane(examplesTab, statsTab);
    tabs.setId("tabs");
    tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
    VBox.setVgrow(tabs, Priority.ALWAYS);
    VBox box = new VBox(6, info, tabs);
    box.setPadding(new Insets(8));
    return box;
  }

  private Node examples() {
    TextField search = new TextField();
    search.setId("search");
    search.setPromptText("Search (all words; \"quoted phrases\")");
    search.setOnAction(e -> model.search(search.getText()));
    HBox.setHgrow(search, Priority.ALWAYS);
    Button go = new Button("Search");
    go.setId("searchButton");
    go.setOnAction(e -> model.search(search.getText()));
    Button clear = new Button("Clear");
    clear.setId("clearSearch");
    clear.setOnAction(e -> {
      search.clear();
      model.search("");
    });
    HBox searchBar = new HBox(6, search, go, clear);
    searchBar.setAlignment(Pos.CENTER_LEFT);

    TableView<ExampleRow> table = new TableView<>(model.examples());
    table.setId("examples");
    TableColumn<ExampleRow, Long> idx = new TableColumn<>("#");
    idx.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().idx()));
    ai.temper.views.common.TablePage.fit(idx, 70);
    TableColumn<ExampleRow, Long> line = new TableColumn<>("Line");
    line.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().sourceLine()));
    ai.temper.views.common.TablePage.fit(line, 70);
    TableColumn<ExampleRow, String> preview = new TableColumn<>("Preview");
    preview.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().preview()));
    preview.setPrefWidth(520);
    table.getColumns().setAll(java.util.List.of(idx, line, preview));
    table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
    table.setPlaceholder(ai.temper.views.common.TablePage.placeholder(
        "No examples to show: select a dataset, or clear the search."));
    table.getSelectionModel().selectedItemProperty().addListener((obs, old, now) ->
        model.selectedExampleProperty().set(now));

    ConversationPane conversation = new ConversationPane();
    model.selectedExampleProperty().addListener((obs, old, now) ->
        conversation.show(now == null ? null : now.example()));

    SplitPane split = new SplitPane(table, conversation);
    split.setOrientation(Orientation.HORIZONTAL);
    split.setDividerPositions(0.45);
    VBox.setVgrow(split, Priority.ALWAYS);

    Button prev = new Button("◀ Previous");
    prev.setId("prev");
    prev.setOnAction(e -> model.previousPage());
    Button next = new Button("Next ▶");
    next.setId("next");
    next.setOnAction(e -> model.nextPage());
    Label pageLabel = new Label();
    pageLabel.setId("pageLabel");
    pageLabel.textProperty().bind(Bindings.createStringBinding(() -> {
      if (model.selectedDatasetProperty().get() == null) {
        return "";
      }
      String what = model.queryProperty().get().isEmpty() ? "examples" : "matches";
      return String.format("Page %,d of %,d · %,d %s", model.pageProperty().get() + 1,
          model.pageCount(), model.matchesProperty().get(), what);
    }, model.pageProperty(), model.matchesProperty(), model.selectedDatasetProperty(),
        model.queryProperty(), model.pageSizeProperty()));
    prev.disableProperty().bind(model.pageProperty().isEqualTo(0));
    next.disableProperty().bind(Bindings.createBooleanBinding(
        () -> model.pageProperty().get() + 1 >= model.pageCount(), model.pageProperty(),
        model.matchesProperty(), model.pageSizeProperty()));
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    HBox pager = new HBox(8, prev, pageLabel, spacer, next);
    pager.setAlignment(Pos.CENTER_LEFT);

    VBox box = new VBox(6, searchBar, split, pager);
    box.setPadding(new Insets(6, 0, 0, 0));
    return box;
  }
}
