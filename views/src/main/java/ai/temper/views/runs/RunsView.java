package ai.temper.views.runs;

import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.LineChartPane;
import ai.temper.views.common.TablePage;
import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;

/**
 * All runs in a table; pick several to overlay their curves. The Details tab shows the first
 * picked run: its name and tags (editable), status and times, data, checkpoints, the failure
 * reason of a failed run, and its config.
 */
public final class RunsView extends BorderPane {
  private final LineChartPane chart = new LineChartPane("Pick runs to compare", "step", "");

  public RunsView(RunsViewModel model) {
    TablePage<Run> page = new TablePage<>("Runs",
        "Every training run with its status and config. Select several to overlay their curves.",
        model.runs(), "No runs yet: start one on the Train page (or with temper train), and it "
            + "appears here with its curves.");
    page.column("ID", Run::id, 44);
    page.column("Name", Run::name, 150);
    page.column("Kind", Run::kind, 56);
    page.column("Status", Run::status, 100).setMinWidth(100);
    page.column("Tags", r -> String.join(", ", model.allTags().getOrDefault(r.id(), List.of())),
        90);
    page.column("Base model", Run::baseModel, 110);
    page.column("Started", r -> RunsViewModel.formatTime(r.startedAt()), 130).setMinWidth(125);
    page.column("Took", r -> RunsViewModel.formatDuration(r.startedAt(), r.endedAt()), 64)
        .setMinWidth(60);
    page.action("Open in Chat", model::openInChat).setId("runs-open-chat");
    page.action("Open in Evaluate", model::openInEvaluate).setId("runs-open-evaluate");
    page.action("Resume", model::resumePicked).setId("runs-resume");
    page.action("Refresh", model::refresh);
    page.table().setId("runs-table");
    page.table().getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
    page.table().getSelectionModel().getSelectedItems().addListener(
        (javafx.collections.ListChangeListener<Run>) c -> {
          if (!model.isRefreshing()) {
            model.picked().setAll(page.table().getSelectionModel().getSelectedItems());
          }
        });
    model.setReselect(ids -> {
      var sel = page.table().getSelectionModel();
      sel.clearSelection();
      for (int i = 0; i < page.table().getItems().size(); i++) {
        if (ids.contains(page.table().getItems().get(i).id())) {
          sel.select(i);
        }
      }
    });

    ComboBox<String> metric = new ComboBox<>(model.metricNames());
    metric.setId("runs-metric");
    metric.valueProperty().bindBidirectional(model.metricProperty());
    metric.setPromptText("Pick runs first");
    Label error = new Label();
    error.setId("runs-error");
    error.getStyleClass().add("error-text");
    error.textProperty().bind(model.errorProperty());
    HBox bar = new HBox(8, new Label("Metric"), metric, error);
    bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
    bar.setPadding(new Insets(8, 0, 8, 0));
    chart.setId("runs-chart");
    model.curvesProperty().addListener((obs, old, now) -> {
      chart.setSeries(now);
      chart.setTitle(now.isEmpty() ? "Pick runs to compare" : model.metricProperty().get());
      chart.setYLabel(now.isEmpty() ? "" : model.metricProperty().get());
    });
    BorderPane chartBox = new BorderPane(chart, bar, null, null, null);

    TabPane tabs = new TabPane(new Tab("Curves", chartBox), new Tab("Details", details(model)));
    tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
    tabs.setId("runs-tabs");

    SplitPane split = new SplitPane(page, tabs);
    split.setOrientation(Orientation.VERTICAL);
    split.setDividerPositions(0.45);
    setCenter(split);
    getStyleClass().add("page");
  }

  private static javafx.scene.Node details(RunsViewModel model) {
    TextField name = new TextField();
    name.setId("runs-name");
    name.textProperty().bindBidirectional(model.nameProperty());
    TextField tags = new TextField();
    tags.setId("runs-tags");
    tags.setPromptText("comma-separated, e.g. baseline, hh");
    tags.textProperty().bindBidirectional(model.tagsProperty());
    Button save = new Button("Save");
    save.setId("runs-save");
    save.setTooltip(new Tooltip("Save the name and tags of this run"));
    save.setOnAction(e -> model.saveDetails());
    name.setOnAction(e -> model.saveDetails());
    tags.setOnAction(e -> model.saveDetails());
    Label status = new Label();
    status.setId("runs-detail-status");
    status.setWrapText(true);
    Label data = new Label();
    data.setId("runs-detail-data");
    data.setWrapText(true);
    Label failure = new Label();
    failure.setId("runs-detail-failure");
    failure.getStyleClass().add("error-text");
    failure.setWrapText(true);
    TextArea checkpoints = new TextArea();
    checkpoints.setId("runs-detail-checkpoints");
    checkpoints.setEditable(false);
    checkpoints.setPrefRowCount(3);
    TextArea config = new TextArea();
    config.setId("runs-detail-config");
    config.setEditable(false);
    config.setPrefRowCount(8);
    config.setStyle("-fx-font-family: monospace;");

    GridPane grid = new GridPane();
    grid.setHgap(8);
    grid.setVgap(6);
    grid.setPadding(new Insets(8));
    ColumnConstraints labels = new ColumnConstraints();
    labels.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
    ColumnConstraints values = new ColumnConstraints();
    values.setHgrow(Priority.ALWAYS);
    grid.getColumnConstraints().setAll(labels, values);
    grid.addRow(0, new Label("Name"), new HBox(6, name, new Label("Tags"), tags, save));
    HBox.setHgrow(name, Priority.ALWAYS);
    HBox.setHgrow(tags, Priority.ALWAYS);
    grid.addRow(1, new Label("Status"), status);
    grid.addRow(2, new Label("Data"), data);
    grid.addRow(3, new Label("Failure"), failure);
    grid.addRow(4, new Label("Checkpoints"), checkpoints);
    grid.addRow(5, new Label("Config"), config);
    GridPane.setVgrow(config, Priority.ALWAYS);
    Label none = new Label("Select a run above to see its config, data, checkpoints and, if it "
        + "failed, why.");
    none.getStyleClass().add("muted");
    BorderPane box = new BorderPane(none);
    model.detailsProperty().addListener((obs, old, d) -> {
      if (d == null) {
        box.setCenter(none);
        return;
      }
      Run r = d.run();
      status.setText(r.status() + " · " + r.kind() + " from " + r.baseModel() + " · created "
          + RunsViewModel.formatTime(r.createdAt())
          + (r.startedAt() == null ? "" : " · started " + RunsViewModel.formatTime(r.startedAt()))
          + (r.endedAt() == null ? "" : " · ended " + RunsViewModel.formatTime(r.endedAt())));
      data.setText(r.datasets() == null ? "" : r.datasets());
      failure.setText(r.error() == null ? "" : r.error());
      checkpoints.setText(d.checkpointText());
      config.setText(r.config() == null ? "" : r.config());
      box.setCenter(grid);
    });
    return box;
  }

  public LineChartPane chart() {
    return chart;
  }
}
