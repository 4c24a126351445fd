package ai.temper.views.evaluate;

import ai.temper.views.evaluate.EvaluateViewModel.Bar;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.scene.layout.StackPane;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Grouped bars (one series per checkpoint, one group per task) with each bar's 95% bootstrap
 * interval drawn as a whisker. Unseen tasks keep their "[unseen]" mark in the axis label.
 */
public final class IntervalBarChart extends StackPane {
  private static final Color[] PALETTE = {
    new Color(0x3b82f6), new Color(0xef4444), new Color(0x10b981), new Color(0xf59e0b),
    new Color(0x8b5cf6), new Color(0x06b6d4), new Color(0xec4899), new Color(0x64748b)};

  private final DefaultCategoryDataset data = new DefaultCategoryDataset();
  private final Map<String, double[]> intervals = new HashMap<>();
  private final JFreeChart chart;

  public IntervalBarChart() {
    chart = ChartFactory.createBarChart("Pick checkpoints in the table to compare", null,
        "value", data, PlotOrientation.VERTICAL, true, true, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(new Color(0xfafafa));
    plot.setRangeGridlinePaint(new Color(0xe5e7eb));
    plot.setOutlineVisible(false);
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    Whiskers r = new Whiskers();
    r.setBarPainter(new StandardBarPainter());
    r.setShadowVisible(false);
    r.setItemMargin(0.05);
    for (int i = 0; i < PALETTE.length; i++) {
      r.setSeriesPaint(i, PALETTE[i]);
    }
    plot.setRenderer(r);
    getChildren().add(new ChartViewer(chart));
    getStyleClass().add("chart");
  }

  public void setBars(List<Bar> bars) {
    data.clear();
    intervals.clear();
    for (Bar b : bars) {
      data.addValue(b.value(), b.model(), b.task());
      if (b.low() != null && b.high() != null) {
        intervals.put(b.model() + "\u0000" + b.task(), new double[] {b.low(), b.high()});
      }
    }
    chart.setTitle(bars.isEmpty() ? "Pick checkpoints in the table to compare"
        : "Primary metric per task, with 95% bootstrap intervals");
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
  }

  /** Series (checkpoints) shown. */
  public int seriesCount() {
    return data.getRowCount();
  }

  /** Bars shown (checkpoint x task cells with a value). */
  public int barCount() {
    int n = 0;
    for (int r = 0; r < data.getRowCount(); r++) {
      for (int c = 0; c < data.getColumnCount(); c++) {
        n += data.getValue(r, c) == null ? 0 : 1;
      }
    }
    return n;
  }

  public JFreeChart chart() {
    return chart;
  }

  /** Bars plus a vertical whisker from the interval's low to its high end. */
  private final class Whiskers extends BarRenderer {
    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea,
        CategoryPlot plot, CategoryAxis domainAxis, ValueAxis rangeAxis,
        CategoryDataset dataset, int row, int column, int pass) {
      super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column,
          pass);
      if (pass != getPassCount() - 1 || dataset.getValue(row, column) == null) {
        return;
      }
      double[] ci = intervals.get(dataset.getRowKey(row) + "\u0000"
          + dataset.getColumnKey(column));
      if (ci == null) {
        return;
      }
      double x = calculateBarW0(plot, plot.getOrientation(), dataArea, domainAxis, state, row,
          column) + state.getBarWidth() / 2;
      double lo = rangeAxis.valueToJava2D(ci[0], dataArea, plot.getRangeAxisEdge());
      double hi = rangeAxis.valueToJava2D(ci[1], dataArea, plot.getRangeAxisEdge());
      double w = Math.max(2, state.getBarWidth() / 4);
      g2.setPaint(new Color(0x1f2937));
      g2.setStroke(new BasicStroke(1.2f));
      g2.draw(new Line2D.Double(x, lo, x, hi));
      g2.draw(new Line2D.Double(x - w, lo, x + w, lo));
      g2.draw(new Line2D.Double(x - w, hi, x + w, hi));
    }
  }
}
