package ai.temper.engine.eval;

import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stored results as a table of models (checkpoints) by tasks: each cell the newest primary
 * metric of that model on that task. Rows are ordered base models first, then checkpoints by
 * run and step; columns by task name, development before unseen. Also the CSV export and the
 * instance comparison behind the drill-down.
 */
public final class ResultTable {
  /** A model or checkpoint: the library id when there is one, else the path. */
  public record ModelKey(Long modelId, String path, String name, Long runId, Long step) {
    public String label() {
      String n = name != null ? name : path;
      if (runId != null) {
        return n + (step == null ? "" : " (run " + runId + ", step " + step + ")");
      }
      return n;
    }

    boolean same(Result r) {
      return modelId != null ? modelId.equals(r.modelId())
          : r.modelId() == null && path.equals(r.modelPath());
    }
  }

  /** A task column; unseen tasks are flagged wherever they appear. */
  public record TaskKey(String task, String metric, boolean unseen) {
    public String label() {
      return unseen ? task + " [unseen]" : task;
    }
  }

  /** One row: the model and its cell per task (null where it has none). */
  public record Row(ModelKey model, Map<TaskKey, Result> cells) {}

  private final List<TaskKey> tasks;
  private final List<Row> rows;

  private ResultTable(List<TaskKey> tasks, List<Row> rows) {
    this.tasks = tasks;
    this.rows = rows;
  }

  /** Builds the table from stored metric rows (any order; only primary metrics are used). */
  public static ResultTable of(List<Result> results) {
    List<Result> primaries = new ArrayList<>(results.stream().filter(Result::isPrimary)
        .toList());
    primaries.sort(Comparator.comparingLong(Result::id)); // oldest first: newer cells win
    Map<String, TaskKey> taskKeys = new LinkedHashMap<>();
    Map<String, ModelKey> modelKeys = new LinkedHashMap<>();
    Map<String, Map<TaskKey, Result>> cells = new HashMap<>();
    for (Result r : primaries) {
      String t = r.task() + "\u0000" + r.unseen();
      TaskKey tk = taskKeys.computeIfAbsent(t, k -> new TaskKey(r.task(), r.metric(),
          r.unseen()));
      String m = modelKey(r);
      modelKeys.putIfAbsent(m, new ModelKey(r.modelId(), r.modelPath(), r.modelName(),
          r.runId(), r.step()));
      cells.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(tk, r);
    }
    List<TaskKey> tasks = new ArrayList<>(taskKeys.values());
    tasks.sort(Comparator.comparing(TaskKey::unseen).thenComparing(TaskKey::task));
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, ModelKey> e : modelKeys.entrySet()) {
      rows.add(new Row(e.getValue(), cells.get(e.getKey())));
    }
    rows.sort(Comparator.comparing((Row r) -> r.model().runId() == null ? -1L
        : r.model().runId()).thenComparing(r -> r.model().step() == null ? -1L
        : r.model().step()).thenComparing(r -> r.model().label()));
    return new ResultTable(tasks, rows);
  }

  private static String modelKey(Result r) {
    return r.modelId() != null ? "id:" + r.modelId() : "path:" + r.modelPath();
  }

  public List<TaskKey> tasks() {
    return tasks;
  }

  public List<Row> rows() {
    return rows;
  }

  /** The checkpoints of one run, by step. */
  public List<Row> runRows(long runId) {
    return rows.stream().filter(r -> r.model().runId() != null && r.model().runId() == runId)
        .toList();
  }

  /**
   * The table as CSV: model, run, step, then per task its value and 95% interval; unseen
   * task columns are marked in the header.
   */
  public String toCsv() {
    StringBuilder sb = new StringBuilder("model,run,step");
    for (TaskKey t : tasks) {
      String h = t.task() + ":" + t.metric() + (t.unseen() ? " [unseen]" : "");
      sb.append(',').append(csv(h)).append(',').append(csv(h + " ci_low")).append(',')
          .append(csv(h + " ci_high"));
    }
    sb.append('\n');
    for (Row r : rows) {
      ModelKey m = r.model();
      sb.append(csv(m.name() != null ? m.name() : m.path())).append(',')
          .append(m.runId() == null ? "" : m.runId()).append(',')
          .append(m.step() == null ? "" : m.step());
      for (TaskKey t : tasks) {
        Result c = r.cells().get(t);
        sb.append(',').append(c == null ? "" : num(c.value()))
            .append(',').append(c == null || c.ciLow() == null ? "" : num(c.ciLow()))
            .append(',').append(c == null || c.ciHigh() == null ? "" : num(c.ciHigh()));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  static String csv(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  /** Which instances a drill-down lists. */
  public enum Filter {
    ALL("all instances"),
    DIFFER("the two differ"),
    A_WRONG_B_RIGHT("A wrong, B right"),
    A_RIGHT_B_WRONG("A right, B wrong");

    private final String label;

    Filter(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** One instance as two models answered it (b null when only one side is given). */
  public record Pair(long idx, Instance a, Instance b) {}

  /**
   * The instances of two results of the same task side by side, matched by index, filtered:
   * "right" means a score of 1 (or above 0.5 for graded scores).
   */
  public static List<Pair> compare(List<Instance> a, List<Instance> b, Filter filter) {
    Map<Long, Instance> byIdx = new HashMap<>();
    for (Instance i : b) {
      byIdx.put(i.idx(), i);
    }
    List<Pair> out = new ArrayList<>();
    for (Instance x : a) {
      Instance y = byIdx.get(x.idx());
      boolean keep = switch (filter) {
        case ALL -> true;
        case DIFFER -> y != null && right(x) != right(y);
        case A_WRONG_B_RIGHT -> y != null && !right(x) && right(y);
        case A_RIGHT_B_WRONG -> y != null && right(x) && !right(y);
      };
      if (keep) {
        out.add(new Pair(x.idx(), x, y));
      }
    }
    return out;
  }

  private static boolean right(Instance i) {
    return i.score() != null && i.score() > 0.5;
  }
}
