package ai.temper.views.common;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.List;
import java.util.Map;
import javafx.scene.layout.StackPane;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A JFreeChart line chart of named series (one per run or per metric), restyled to match the
 * workbench. {@link #setSeries} replaces the data; {@link #append} adds live points.
 */
public final class LineChartPane extends StackPane {
  private static final Color[] PALETTE = {
    new Color(0x3b82f6), new Color(0xef4444), new Color(0x10b981), new Color(0xf59e0b),
    new Color(0x8b5cf6), new Color(0x06b6d4), new Color(0xec4899), new Color(0x64748b)};

  /** One (x, y) point. */
  public record Point(double x, double y) {}

  private final XYSeriesCollection data = new XYSeriesCollection();
  private final JFreeChart chart;

  public LineChartPane(String title, String xLabel, String yLabel) {
    chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data,
        PlotOrientation.VERTICAL, true, true, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(new Color(0xfafafa));
    plot.setDomainGridlinePaint(new Color(0xe5e7eb));
    plot.setRangeGridlinePaint(new Color(0xe5e7eb));
    plot.setOutlineVisible(false);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < PALETTE.length; i++) {
      r.setSeriesPaint(i, PALETTE[i]);
      r.setSeriesStroke(i, new BasicStroke(1.8f));
    }
    plot.setRenderer(r);
    ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    ChartViewer viewer = new ChartViewer(chart);
    getChildren().add(viewer);
    getStyleClass().add("chart");
  }

  public void setTitle(String title) {
    chart.setTitle(title);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
  }

  /** Replaces all series. */
  public void setSeries(Map<String, List<Point>> series) {
    data.removeAllSeries();
    for (var e : series.entrySet()) {
      XYSeries s = new XYSeries(e.getKey(), true, true);
      for (Point p : e.getValue()) {
        s.add(p.x(), p.y(), false);
      }
      s.fireSeriesChanged();
      data.addSeries(s);
    }
  }

  /** Adds one point to series {@code name}, creating it if needed (live curves). */
  public void append(String name, double x, double y) {
    int i = data.getSeriesIndex(name);
    XYSeries s = i >= 0 ? data.getSeries(i) : null;
    if (s == null) {
      s = new XYSeries(name, true, true);
      data.addSeries(s);
    }
    s.addOrUpdate(x, y);
  }

  public int seriesCount() {
    return data.getSeriesCount();
  }

  public int pointCount(String name) {
    int i = data.getSeriesIndex(name);
    return i < 0 ? 0 : data.getSeries(i).getItemCount();
  }

  public JFreeChart chart() {
    return chart;
  }
}
