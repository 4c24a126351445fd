package ai.temper.views.common;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javafx.scene.layout.StackPane;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A JFreeChart line chart of named series (one per run or per metric), restyled to match the
 * workbench. Series of different scales never share an axis: a grouping function puts each
 * series in a panel of its own (train and eval of one metric together), stacked over one
 * shared step axis, each with its own y-axis, label and readable tick labels (2.00e-05, not
 * 0E0). A series keeps its colour for the life of the pane (a resumed run's curve stays the
 * same colour), and sparse series (a few eval points) are drawn with markers.
 * {@link #setSeries} replaces the data; {@link #append} adds live points.
 */
public final class LineChartPane extends StackPane {
  private static final Color[] PALETTE = {
    new Color(0x3b82f6), new Color(0xef4444), new Color(0x10b981), new Color(0xf59e0b),
    new Color(0x8b5cf6), new Color(0x06b6d4), new Color(0xec4899), new Color(0x64748b)};
  /** Series with at most this many points are drawn with a marker on each point. */
  public static final int SPARSE = 25;

  /** One (x, y) point. */
  public record Point(double x, double y) {}

  /** Every series in one panel (the same metric of several runs). */
  public static final Function<String, String> ONE_PANEL = name -> "";

  /**
   * One panel per metric, train and eval together: "eval_loss" goes with "loss",
   * "eval_rewards/accuracies" with "rewards/accuracies".
   */
  public static final Function<String, String> PER_METRIC = LineChartPane::metricGroup;

  private final CombinedDomainXYPlot plot;
  private final JFreeChart chart;
  private final Function<String, String> grouping;
  private final Map<String, XYPlot> panels = new LinkedHashMap<>();
  private final Map<String, Integer> colours = new HashMap<>();
  private String yLabel;

  public LineChartPane(String title, String xLabel, String yLabel) {
    this(title, xLabel, yLabel, ONE_PANEL);
  }

  /** A chart whose series go to panels by {@code grouping} (series name to panel key). */
  public LineChartPane(String title, String xLabel, String yLabel,
      Function<String, String> grouping) {
    this.grouping = grouping;
    this.yLabel = yLabel;
    NumberAxis steps = new NumberAxis(xLabel);
    steps.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    steps.setAutoRangeIncludesZero(false);
    plot = new CombinedDomainXYPlot(steps);
    plot.setGap(8);
    plot.setOutlineVisible(false);
    chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    ChartViewer viewer = new ChartViewer(chart);
    getChildren().add(viewer);
    getStyleClass().add("chart");
  }

  /** The panel key of a metric: its name without the "eval_" prefix. */
  public static String metricGroup(String name) {
    return name.startsWith("eval_") ? name.substring(5) : name;
  }

  public void setTitle(String title) {
    chart.setTitle(new TextTitle(title, new Font(Font.SANS_SERIF, Font.BOLD, 13)));
  }

  /** The y-axis label of a one-panel chart (panels per metric are labelled by metric). */
  public void setYLabel(String label) {
    this.yLabel = label;
    if (grouping == ONE_PANEL) {
      for (XYPlot p : panels.values()) {
        p.getRangeAxis().setLabel(label);
      }
    }
  }

  /** Replaces all series. */
  public void setSeries(Map<String, List<Point>> series) {
    clear();
    for (var e : series.entrySet()) {
      XYSeries s = series(e.getKey());
      for (Point p : e.getValue()) {
        s.add(p.x(), p.y(), false);
      }
      s.fireSeriesChanged();
      styleSeries(e.getKey());
    }
  }

  /** Removes every series and panel (colours stay assigned to their names). */
  public void clear() {
    for (XYPlot p : new ArrayList<>(panels.values())) {
      plot.remove(p);
    }
    panels.clear();
  }

  /** Adds one point to series {@code name}, creating it if needed (live curves). */
  public void append(String name, double x, double y) {
    XYSeries s = series(name);
    s.addOrUpdate(x, y);
    if (s.getItemCount() == SPARSE + 1 || s.getItemCount() == 1) {
      styleSeries(name);
    }
  }

  private XYSeries series(String name) {
    XYSeriesCollection data = data(panel(name));
    int i = data.getSeriesIndex(name);
    if (i >= 0) {
      return data.getSeries(i);
    }
    XYSeries s = new XYSeries(name, true, true);
    data.addSeries(s);
    colours.computeIfAbsent(name, n -> colours.size());
    styleSeries(name);
    return s;
  }

  private static XYSeriesCollection data(XYPlot p) {
    return (XYSeriesCollection) p.getDataset();
  }

  private XYPlot panel(String name) {
    String key = grouping.apply(name);
    XYPlot p = panels.get(key);
    if (p != null) {
      return p;
    }
    NumberAxis y = new NumberAxis(grouping == ONE_PANEL ? yLabel : key);
    y.setAutoRangeIncludesZero(false);
    y.setNumberFormatOverride(new ReadableFormat());
    y.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    p = new XYPlot(new XYSeriesCollection(), null, y, r);
    p.setBackgroundPaint(new Color(0xfafafa));
    p.setDomainGridlinePaint(new Color(0xe5e7eb));
    p.setRangeGridlinePaint(new Color(0xe5e7eb));
    p.setOutlineVisible(false);
    panels.put(key, p);
    plot.add(p, 1);
    return p;
  }

  private void styleSeries(String name) {
    XYPlot p = panels.get(grouping.apply(name));
    if (p == null) {
      return;
    }
    int i = data(p).getSeriesIndex(name);
    if (i < 0) {
      return;
    }
    XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) p.getRenderer();
    r.setSeriesPaint(i, PALETTE[colours.getOrDefault(name, 0) % PALETTE.length]);
    r.setSeriesStroke(i, new BasicStroke(1.8f));
    r.setSeriesShapesVisible(i, data(p).getSeries(i).getItemCount() <= SPARSE);
  }

  public int seriesCount() {
    int n = 0;
    for (XYPlot p : panels.values()) {
      n += data(p).getSeriesCount();
    }
    return n;
  }

  public int pointCount(String name) {
    XYPlot p = panels.get(grouping.apply(name));
    if (p == null) {
      return 0;
    }
    int i = data(p).getSeriesIndex(name);
    return i < 0 ? 0 : data(p).getSeries(i).getItemCount();
  }

  /** The panel keys in order (one y-axis each). */
  public List<String> panelKeys() {
    return List.copyOf(panels.keySet());
  }

  /** The y-axis of the panel holding series {@code name}; null when it has none. */
  public NumberAxis yAxisOf(String name) {
    XYPlot p = panels.get(grouping.apply(name));
    return p == null ? null : (NumberAxis) p.getRangeAxis();
  }

  /** The colour series {@code name} is drawn in. */
  public Color colourOf(String name) {
    return PALETTE[colours.getOrDefault(name, 0) % PALETTE.length];
  }

  /** Whether series {@code name} is drawn with markers. */
  public boolean hasMarkers(String name) {
    XYPlot p = panels.get(grouping.apply(name));
    int i = p == null ? -1 : data(p).getSeriesIndex(name);
    if (i < 0) {
      return false;
    }
    Boolean b = ((XYLineAndShapeRenderer) p.getRenderer()).getSeriesShapesVisible(i);
    return b != null && b;
  }

  public JFreeChart chart() {
    return chart;
  }

  /**
   * Tick labels people read: plain decimals with up to four significant digits for ordinary
   * values, scientific notation with two digits for very small or large ones (learning rates
   * 2.00e-05), never "0E0".
   */
  public static final class ReadableFormat extends NumberFormat {
    @Override
    public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
      return to.append(text(v));
    }

    @Override
    public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
      return to.append(text(v));
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      return null;
    }

    /** The label of one tick value. */
    public static String text(double v) {
      double a = Math.abs(v);
      if (a < 1e-12) {
        return "0";
      }
      if (a < 1e-3 || a >= 1e6) {
        return String.format(Locale.ROOT, "%.2e", v);
      }
      int decimals = Math.max(0, 3 - (int) Math.floor(Math.log10(a)));
      DecimalFormat f = new DecimalFormat();
      f.setMaximumFractionDigits(Math.min(decimals, 6));
      f.setGroupingUsed(a >= 1e4);
      return f.format(v);
    }
  }
}
