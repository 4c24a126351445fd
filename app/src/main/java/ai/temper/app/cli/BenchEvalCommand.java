package ai.temper.app.cli;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.data.Example;
import ai.temper.engine.eval.EvalBenchmark;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code temper bench eval}: evaluation instances/s, one prompt at a time and batched. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Instances/s of a generation task (story prompts, greedy, up to 64 new "
        + "tokens each) as temper eval runs it, at each batch size.")
public final class BenchEvalCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "PATH",
      defaultValue = "../shared/models/stories260K/stories260K.bin",
      description = "Model (default ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "Its tokenizer.")
  Path tokenizer;

  @Option(names = "--batches", split = ",", defaultValue = "1,16", paramLabel = "B,B,..",
      description = "Batch sizes (default ${DEFAULT-VALUE}); the first is the reference.")
  List<Integer> batches;

  @Option(names = "--instances", defaultValue = "48", description = "Prompts per run "
      + "(default ${DEFAULT-VALUE}: three full batches of 16).")
  int instances;

  @Option(names = "--warmup", defaultValue = "2", description = "Unmeasured runs per batch "
      + "size (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--repeats", defaultValue = "5", description = "Measured runs; the median "
      + "is reported (default ${DEFAULT-VALUE}).")
  int repeats;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() {
    if (repeats < 1 || warmup < 0 || instances < 1 || batches.stream().anyMatch(b -> b < 1)) {
      throw new IllegalArgumentException("--repeats, --instances and --batches must be "
          + "positive");
    }
    int n = threads.apply();
    double before = loadAverage()[0];
    String threadsText = TorchRuntime.isAutomatic() ? "1.." + n + " (tuned)" : "" + n;
    List<EvalBenchmark.Result> results = new ArrayList<>();
    try (LoadedModel m = ModelLoader.load(model, tokenizer)) {
      List<Example> examples = EvalBenchmark.instances(instances);
      for (int b : batches) {
        System.err.printf(Locale.ROOT, "batch %d: %d warm-up and %d measured runs of %d "
            + "instances...%n", b, warmup, repeats, examples.size());
        results.add(EvalBenchmark.run(m, examples, b, warmup, repeats));
      }
    }
    double[] load = loadAverage();
    System.out.printf(Locale.ROOT, "model %s, threads %s, %d cores, load average %.2f before, "
        + "%.2f after; %d instances per run, greedy, up to %d new tokens, median of %d runs%n",
        model.getFileName(), threadsText, Runtime.getRuntime().availableProcessors(), before,
        load[0], results.get(0).instances(), EvalBenchmark.TASK.maxNewTokens(), repeats);
    Table t = new Table("BATCH", "INSTANCES/S", "TOKENS/S", "VS BATCH " + batches.get(0),
        "INSTANCES/CPU-S", "CPU VS BATCH " + batches.get(0), "RUNS");
    double ref = results.get(0).instancesPerSecond();
    double cpuRef = results.get(0).instancesPerCpuSecond();
    for (EvalBenchmark.Result r : results) {
      StringBuilder runs = new StringBuilder();
      for (double x : r.runs()) {
        runs.append(runs.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", x));
      }
      t.add(r.batch(), String.format(Locale.ROOT, "%.1f", r.instancesPerSecond()),
          String.format(Locale.ROOT, "%.0f", r.tokensPerSecond()),
          String.format(Locale.ROOT, "%.2fx", r.instancesPerSecond() / ref),
          String.format(Locale.ROOT, "%.1f", r.instancesPerCpuSecond()),
          String.format(Locale.ROOT, "%.2fx", r.instancesPerCpuSecond() / cpuRef), runs);
    }
    t.print(System.out);
    return 0;
  }

  private static double[] loadAverage() {
    return new double[] {java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage()};
  }
}
