package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code temper runs ...}: what the database holds about training runs. */
@Command(name = "runs", description = "List and inspect training runs.",
    mixinStandardHelpOptions = true,
    subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Metrics.class,
        RunsCommand.Label.class})
public final class RunsCommand {
  @ParentCommand TemperCommand root;

  @Command(name = "list", description = "List all runs.", mixinStandardHelpOptions = true)
  static final class ListRuns implements Callable<Integer> {
    @ParentCommand RunsCommand parent;

    @Override
    public Integer call() {
      Table t = new Table("ID", "KIND", "NAME", "STATUS", "TAGS", "BASE MODEL", "CREATED",
          "ENDED");
      var tags = parent.root.workbench().runs().allTags();
      for (Run r : parent.root.workbench().runs().list()) {
        t.add(r.id(), r.kind(), r.name(), r.status(), String.join(",",
            tags.getOrDefault(r.id(), List.of())), r.baseModel(), r.createdAt(), r.endedAt());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "show", description = "Show one run and its config.",
      mixinStandardHelpOptions = true)
  static final class Show implements Callable<Integer> {
    @ParentCommand RunsCommand parent;
    @Parameters(paramLabel = "RUN", description = "Run id.") long id;

    @Override
    public Integer call() {
      Run r = parent.root.workbench().runs().find(id);
      System.out.println("id:          " + r.id());
      System.out.println("kind:        " + r.kind());
      System.out.println("name:        " + nz(r.name()));
      List<String> tags = parent.root.workbench().runs().tags(id);
      System.out.println("tags:        " + (tags.isEmpty() ? "-" : String.join(", ", tags)));
      System.out.println("status:      " + r.status());
      System.out.println("base model:  " + nz(r.baseModel()));
      System.out.println("datasets:    " + nz(r.datasets()));
      System.out.println("output dir:  " + nz(r.outputDir()));
      System.out.println("created:     " + r.createdAt());
      System.out.println("started:     " + nz(r.startedAt()));
      System.out.println("ended:       " + nz(r.endedAt()));
      if (r.error() != null) {
        System.out.println("error:       " + r.error());
      }
      List<String> names = parent.root.workbench().runs().metricNames(id);
      System.out.println("metrics:     " + (names.isEmpty() ? "-" : String.join(", ", names)));
      var checkpoints = parent.root.workbench().runs().checkpoints(id);
      System.out.println("checkpoints:" + (checkpoints.isEmpty() ? " -" : ""));
      for (var c : checkpoints) {
        System.out.println("  step " + c.step() + ": " + c.path());
      }
      System.out.println("config:");
      System.out.println(r.config() == null ? "  -" : r.config().strip().indent(2).stripTrailing());
      return 0;
    }

    private static String nz(Object o) {
      return o == null ? "-" : o.toString();
    }
  }

  @Command(name = "label", description = "Rename a run and/or set its tags.",
      mixinStandardHelpOptions = true)
  static final class Label implements Callable<Integer> {
    @ParentCommand RunsCommand parent;
    @Parameters(paramLabel = "RUN", description = "Run id.") long id;
    @Option(names = "--name", paramLabel = "NAME", description = "The run's new name.")
    String name;
    @Option(names = "--tags", paramLabel = "TAG[,TAG...]", split = ",",
        description = "The run's tags (replacing the old ones; --tags '' removes them).")
    List<String> tags;

    @Override
    public Integer call() {
      var runs = parent.root.workbench().db().runs();
      runs.find(id).orElseThrow(() -> new TemperException("No run with id " + id + "."));
      if (name == null && tags == null) {
        throw new TemperException("Nothing to change: pass --name and/or --tags");
      }
      if (name != null) {
        if (name.isBlank()) {
          throw new TemperException("--name: a run needs a non-blank name");
        }
        runs.rename(id, name.strip());
      }
      if (tags != null) {
        runs.setTags(id, tags);
      }
      System.out.println(id);
      return 0;
    }
  }

  @Command(name = "metrics", description = "Print a run's metrics, one row per step.",
      mixinStandardHelpOptions = true)
  static final class Metrics implements Callable<Integer> {
    @ParentCommand RunsCommand parent;
    @Parameters(paramLabel = "RUN", description = "Run id.") long id;
    @Option(names = "--csv", description = "Comma-separated values with a header line.")
    boolean csv;

    @Override
    public Integer call() {
      parent.root.workbench().runs().find(id);
      List<String> names = parent.root.workbench().runs().metricNames(id);
      Map<Long, Map<String, Double>> bySteps = new TreeMap<>();
      for (Metric m : parent.root.workbench().db().metrics().forRun(id)) {
        bySteps.computeIfAbsent(m.step(), k -> new TreeMap<>()).put(m.name(), m.value());
      }
      String[] header = new String[names.size() + 1];
      header[0] = "step";
      for (int i = 0; i < names.size(); i++) {
        header[i + 1] = names.get(i);
      }
      if (csv) {
        System.out.println(String.join(",", header));
      }
      Table t = new Table(header);
      for (var e : bySteps.entrySet()) {
        Object[] cells = new Object[header.length];
        cells[0] = e.getKey();
        for (int i = 0; i < names.size(); i++) {
          Double v = e.getValue().get(names.get(i));
          cells[i + 1] = v == null ? "" : formatValue(v);
        }
        if (csv) {
          StringBuilder sb = new StringBuilder();
          for (int i = 0; i < cells.length; i++) {
            sb.append(i == 0 ? "" : ",").append(cells[i]);
          }
          System.out.println(sb);
        } else {
          t.add(cells);
        }
      }
      if (!csv) {
        t.print(System.out);
      }
      return 0;
    }

    private static String formatValue(double v) {
      return Double.toString(v);
    }
  }
}
