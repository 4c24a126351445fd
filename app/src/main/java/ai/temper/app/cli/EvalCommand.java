package ai.temper.app.cli;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.Decontaminator;
import ai.temper.engine.eval.EvalSuite;
import ai.temper.engine.eval.EvalTask;
import ai.temper.engine.eval.Evaluator.Options;
import ai.temper.engine.eval.Evaluator.Status;
import ai.temper.engine.eval.Evaluator.SuiteOutcome;
import ai.temper.engine.eval.Evaluator.TaskOutcome;
import ai.temper.engine.eval.ResultTable;
import ai.temper.engine.eval.SuiteContamination;
import ai.temper.engine.store.EvalRepository.Result;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code temper eval}: runs a suite on a model, prints a table of metrics on stdout and stores
 * them with every instance; an identical evaluation already stored is reused.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Evaluate a model on a suite (development tasks; unseen ones with "
        + "--include-unseen). Prints one row per task and metric; stores metrics and instances.",
    subcommands = {EvalCommand.Suites.class, EvalCommand.Results.class,
        EvalCommand.Instances.class, EvalCommand.Contamination.class})
public final class EvalCommand implements Callable<Integer> {
  @ParentCommand TemperCommand root;

  @Option(names = "--model", paramLabel = "PATH|NAME",
      description = "A library model (id or name), a Hugging Face folder or a llama2.c file.")
  String model;

  @Option(names = "--suite", paramLabel = "NAME|FILE",
      description = "A built-in suite (temper eval suites) or a suite YAML file.")
  String suite;

  @Option(names = "--limit", paramLabel = "N",
      description = "Evaluate the first N instances of each task.")
  Integer limit;

  @Option(names = "--include-unseen",
      description = "Also run the suite's unseen (held-out) tasks.")
  boolean includeUnseen;

  @Option(names = "--force", description = "Compute again even if an identical evaluation "
      + "(same model files, task, settings, data) is stored.")
  boolean force;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "16",
      description = "Prompts per generation batch (default ${DEFAULT-VALUE}).")
  int batch;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() throws Exception {
    if (model == null || suite == null) {
      throw new IllegalArgumentException("temper eval needs --model and --suite "
          + "(see temper eval --help; built-in suites: temper eval suites)");
    }
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException("--limit must be positive");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be positive");
    }
    EvalSuite s = EvalSuite.resolve(suite);
    threads.apply();
    Workbench wb = root.workbench();
    Options o = Options.defaults().withLimit(limit).withIncludeUnseen(includeUnseen)
        .withForce(force).withBatchSize(batch);
    SuiteOutcome r = ConsoleProgress.run(wb.jobs(), "eval", "Evaluate " + model + " on "
        + s.name(), ctx -> wb.evaluations().run(model, s, o, ctx));
    print(System.out, r);
    boolean failed = r.tasks().stream().anyMatch(t -> t.status() == Status.FAILED);
    return failed ? 1 : 0;
  }

  static void print(PrintStream out, SuiteOutcome r) {
    Table t = new Table("TASK", "SPLIT", "METRIC", "VALUE", "95% CI", "N", "RESULT", "SECONDS");
    int skipped = 0;
    for (TaskOutcome o : r.tasks()) {
      String split = o.task().unseen() ? "UNSEEN" : "dev";
      switch (o.status()) {
        case SKIPPED_UNSEEN -> skipped++;
        case FAILED -> t.add(o.task().name(), split, null, null, null, null,
            "failed: " + o.error(), null);
        default -> {
          for (Result m : o.metrics()) {
            t.add(o.task().name(), split, m.metric(), fmt(m.value()),
                m.ciLow() == null ? null : fmt(m.ciLow()) + " .. " + fmt(m.ciHigh()),
                m.instances(), o.status() == Status.REUSED ? "reused #" + m.taskResultId()
                    : "stored #" + m.taskResultId(),
                String.format(Locale.ROOT, "%.1f", o.seconds()));
          }
        }
      }
    }
    out.println("model " + r.model() + " (sha256 " + r.modelHash().substring(0, 12) + "), suite "
        + r.suite());
    t.print(out);
    if (skipped > 0) {
      out.println(skipped + " unseen task(s) not run (--include-unseen runs them)");
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.2f"
        : "%.4f", v);
  }

  @Command(name = "suites", mixinStandardHelpOptions = true,
      description = "List the built-in suites and their tasks.")
  static final class Suites implements Callable<Integer> {
    @Override
    public Integer call() {
      Table t = new Table("SUITE", "TASK", "SPLIT", "TYPE", "SCORER", "SHOTS", "DATA");
      for (String name : EvalSuite.builtinNames()) {
        EvalSuite s = EvalSuite.resolve(name);
        for (EvalTask task : s.tasks()) {
          t.add(s.name(), task.name(), task.unseen() ? "UNSEEN" : "dev", task.type().id(),
              task.scorer(), task.shots(), task.data());
        }
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "results", mixinStandardHelpOptions = true,
      description = "Stored results as a table of models/checkpoints by tasks (primary "
          + "metric; unseen tasks marked).")
  static final class Results implements Callable<Integer> {
    @ParentCommand EvalCommand parent;
    @Option(names = "--csv", description = "CSV with the 95% intervals.") boolean csv;

    @Override
    public Integer call() {
      ResultTable table = ResultTable.of(parent.root.workbench().db().evals().list());
      if (csv) {
        System.out.print(table.toCsv());
        return 0;
      }
      List<String> header = new ArrayList<>(List.of("MODEL"));
      table.tasks().forEach(t -> header.add(t.label() + " " + t.metric()));
      Table t = new Table(header.toArray(new String[0]));
      for (ResultTable.Row r : table.rows()) {
        List<Object> cells = new ArrayList<>(List.of(r.model().label()));
        for (ResultTable.TaskKey k : table.tasks()) {
          Result c = r.cells().get(k);
          cells.add(c == null ? null : fmt(c.value()) + " #" + c.id());
        }
        t.add(cells.toArray());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "instances", mixinStandardHelpOptions = true,
      description = "The instances of one stored task result: prompt, output, reference, "
          + "extracted answer, score (JSON Lines).")
  static final class Instances implements Callable<Integer> {
    @ParentCommand EvalCommand parent;
    @picocli.CommandLine.Parameters(paramLabel = "RESULT", description = "A result id (as "
        + "temper eval prints it).") long id;

    @Override
    public Integer call() throws Exception {
      var repo = parent.root.workbench().db().evals();
      List<Result> metrics = repo.metrics(id);
      if (metrics.isEmpty()) {
        throw new IllegalArgumentException("No stored result #" + id);
      }
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      for (var i : repo.instances(metrics.get(0).taskResultId())) {
        var o = json.createObjectNode();
        o.put("idx", i.idx()).put("input", i.input()).put("output", i.output())
            .put("target", i.target()).put("extracted", i.extracted());
        if (i.score() != null) {
          o.put("score", i.score());
        }
        System.out.println(json.writeValueAsString(o));
      }
      return 0;
    }
  }

  @Command(name = "contamination", mixinStandardHelpOptions = true,
      description = "How much of a training dataset overlaps a suite's tasks (word n-grams, as "
          + "datasets decontaminate).")
  static final class Contamination implements Callable<Integer> {
    @ParentCommand EvalCommand parent;
    @Option(names = "--suite", required = true, paramLabel = "NAME|FILE") String suite;
    @Option(names = "--train", required = true, paramLabel = "DATASET",
        description = "The training dataset to check.") String train;
    @Option(names = "--ngram", defaultValue = "8") int ngram;
    @Option(names = "--threshold", defaultValue = "0.5") double threshold;
    @Option(names = "--include-unseen", description = "Check the unseen tasks too.")
    boolean includeUnseen;

    @Override
    public Integer call() throws Exception {
      EvalSuite s = EvalSuite.resolve(suite);
      Workbench wb = parent.root.workbench();
      Decontaminator.Settings settings = new Decontaminator.Settings(ngram, threshold);
      SuiteContamination.Report rep = ConsoleProgress.run(wb.jobs(), "eval-contamination",
          "Contamination of " + train + " with " + s.name(),
          ctx -> new SuiteContamination(wb.db()).run(s, train, settings, includeUnseen, ctx));
      Decontaminator.Result r = rep.result();
      System.out.printf(Locale.ROOT, "%s against suite %s: %,d of %,d training examples "
          + "contaminated (rate %.4f%%), %d-grams, threshold %.2f%n", r.dataset(), s.name(),
          r.flagged(), r.examples(), 100 * r.rate(), ngram, threshold);
      Table t = new Table("TASK", "EVAL SET", "INSTANCES MATCHED");
      rep.taskSets().forEach((task, set) -> t.add(task, set,
          r.evalInstancesHit().getOrDefault(set, 0L)));
      t.print(System.out);
      System.out.println("(temper datasets decontaminate " + train + " --against ... --name "
          + "CLEAN writes a cleaned copy)");
      return 0;
    }
  }
}
