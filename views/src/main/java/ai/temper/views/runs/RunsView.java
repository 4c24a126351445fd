package ai.temper.views.runs;

import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.LineChartPane;
import ai.temper.views.common.TablePage;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

/** All runs in a table; pick several to overlay their curves. */
public final class RunsView extends BorderPane {
  private final LineChartPane chart = new LineChartPane("Pick runs to compare", "step", "");

  public RunsView(RunsViewModel model) {
    TablePage<Run> page = new TablePage<>("Runs",
        "Every training run with its status and config. Select several to overlay their curves.",
        model.runs(), "No runs yet: start one on the Train page or with `temper train`.");
    page.column("ID", Run::id, 50);
    page.column("Kind", Run::kind, 80);
    page.column("Name", Run::name, 200);
    page.column("Status", Run::status, 100);
    page.column("Base model", Run::baseModel, 220);
    page.column("Started", Run::startedAt, 180);
    page.column("Ended", Run::endedAt, 180);
    page.action("Open in Chat", model::openInChat).setId("runs-open-chat");
    page.action("Open in Evaluate", model::openInEvaluate).setId("runs-open-evaluate");
    page.action("Resume", model::resumePicked).setId("runs-resume");
    page.action("Refresh", model::refresh);
    page.table().setId("runs-table");
    page.table().getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
    page.table().getSelectionModel().getSelectedItems().addListener(
        (javafx.collections.ListChangeListener<Run>) c ->
            model.picked().setAll(page.table().getSelectionModel().getSelectedItems()));

    ComboBox<String> metric = new ComboBox<>(model.metricNames());
    metric.setId("runs-metric");
    metric.valueProperty().bindBidirectional(model.metricProperty());
    Label error = new Label();
    error.getStyleClass().add("error-text");
    error.textProperty().bind(model.errorProperty());
    HBox bar = new HBox(8, new Label("Metric"), metric, error);
    bar.setPadding(new Insets(8, 0, 8, 0));
    chart.setId("runs-chart");
    model.curvesProperty().addListener((obs, old, now) -> {
      chart.setSeries(now);
      chart.setTitle(now.isEmpty() ? "Pick runs to compare" : model.metricProperty().get());
    });
    BorderPane chartBox = new BorderPane(chart, bar, null, null, null);

    SplitPane split = new SplitPane(page, chartBox);
    split.setOrientation(Orientation.VERTICAL);
    split.setDividerPositions(0.45);
    setCenter(split);
    getStyleClass().add("page");
  }

  public LineChartPane chart() {
    return chart;
  }
}
