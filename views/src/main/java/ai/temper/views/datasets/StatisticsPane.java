package ai.temper.views.datasets;

import ai.temper.engine.data.DatasetStatistics;
import java.util.Arrays;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;

/**
 * The statistics tab: a histogram of message lengths for each role, turns per example, and
 * the duplicate count. Lengths above the 99th percentile are clipped into the last bin so one
 * very long message does not squash the chart.
 */
final class StatisticsPane extends VBox {
  static final int BINS = 40;
  private final DatasetsViewModel model;
  private final Label summary = new Label("Compute statistics for the selected dataset.");
  private final VBox charts = new VBox(8);

  StatisticsPane(DatasetsViewModel model) {
    super(8);
    this.model = model;
    setPadding(new Insets(8));
    Button compute = new Button("Compute statistics");
    compute.setId("computeStats");
    compute.disableProperty().bind(model.selectedDatasetProperty().isNull()
        .or(model.statisticsRunningProperty()));
    compute.setOnAction(e -> model.computeStatistics());
    ProgressIndicator spinner = new ProgressIndicator();
    spinner.setPrefSize(20, 20);
    spinner.visibleProperty().bind(model.statisticsRunningProperty());
    summary.setId("statsSummary");
    summary.setWrapText(true);
    summary.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
    ScrollPane scroll = new ScrollPane(charts);
    scroll.setFitToWidth(true);
    getChildren().addAll(new HBox(8, compute, spinner), summary, scroll);
    VBox.setVgrow(scroll, Priority.ALWAYS);
    model.statisticsProperty().addListener((obs, old, now) -> show(now));
  }

  private void show(DatasetStatistics s) {
    charts.getChildren().clear();
    if (s == null) {
      summary.setText("Compute statistics for the selected dataset.");
      return;
    }
    DatasetStatistics.Summary turns = s.turnSummary();
    StringBuilder text = new StringBuilder(String.format("%,d examples, %,d duplicates; "
        + "turns per example: median %.1f, max %d.", s.rows(), s.duplicates(), turns.median(),
        turns.max()));
    for (String role : s.lengths().keySet()) {
      DatasetStatistics.Summary r = s.summary(role);
      text.append(String.format("%n%s: %,d messages, %s median %.0f, p95 %d, max %d", role,
          r.count(), s.unit(), r.median(), r.p95(), r.max()));
    }
    summary.setText(text.toString());

    // one chart per role on a shared x axis: overlaid series hid each other
    double cap = 1;
    for (int[] v : s.lengths().values()) {
      cap = Math.max(cap, percentile99(v));
    }
    GridPane grid = new GridPane();
    grid.setHgap(8);
    grid.setVgap(8);
    int i = 0;
    for (var e : s.lengths().entrySet()) {
      ChartViewer chart = new ChartViewer(roleChart(e.getKey(), e.getValue(), cap, s.unit()));
      chart.setId("lengthChart-" + e.getKey());
      chart.getStyleClass().add("length-chart");
      chart.setPrefSize(420, 240);
      GridPane.setHgrow(chart, Priority.ALWAYS);
      grid.add(chart, i % 2, i / 2);
      i++;
    }
    ColumnConstraints half = new ColumnConstraints();
    half.setPercentWidth(50);
    grid.getColumnConstraints().setAll(half, half);
    ChartViewer turnChart = new ChartViewer(histogram("Turns per example", "turns",
        Arrays.stream(s.turns()).asDoubleStream().toArray(), BINS));
    turnChart.setId("turnChart");
    turnChart.setPrefHeight(220);
    grid.setId("lengthCharts");
    charts.getChildren().addAll(grid, turnChart);
  }

  /** Lengths of one role's messages, values above {@code cap} counted in the last bin. */
  static JFreeChart roleChart(String role, int[] lengths, double cap, String unit) {
    double[] v = new double[lengths.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.min(lengths[i], cap);
    }
    HistogramDataset data = new HistogramDataset();
    data.setType(HistogramType.FREQUENCY);
    if (v.length > 0) {
      data.addSeries(role, v, BINS, 0, cap);
    }
    JFreeChart chart = ChartFactory.createHistogram(role + ": " + unit + " per message",
        unit + " (clipped at p99 = " + (int) cap + ")", "messages", data);
    style(chart);
    chart.removeLegend();
    return chart;
  }

  static JFreeChart histogram(String title, String x, double[] values, int bins) {
    HistogramDataset data = new HistogramDataset();
    double max = Arrays.stream(values).max().orElse(1);
    if (values.length > 0) {
      data.addSeries(x, values, (int) Math.max(1, Math.min(bins, max)), 0, Math.max(1, max));
    }
    JFreeChart chart = ChartFactory.createHistogram(title, x, "examples", data);
    style(chart);
    chart.removeLegend();
    return chart;
  }

  private static void style(JFreeChart chart) {
    XYPlot plot = chart.getXYPlot();
    plot.setForegroundAlpha(0.85f);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
    if (plot.getRenderer() instanceof XYBarRenderer bars) {
      bars.setShadowVisible(false);
      bars.setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
    }
  }

  private static double percentile99(int[] values) {
    if (values.length == 0) {
      return 0;
    }
    int[] v = values.clone();
    Arrays.sort(v);
    return v[(int) Math.min(v.length - 1, Math.ceil(0.99 * v.length) - 1)];
  }
}
