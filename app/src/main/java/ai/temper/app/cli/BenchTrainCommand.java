package ai.temper.app.cli;

import ai.temper.engine.Devices;
import ai.temper.engine.Precision;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.train.TrainBenchmark;
import ai.temper.engine.train.TrainBenchmark.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code temper bench train}: SFT training speed (tokens/s, achieved GFLOP/s) at stories260K
 * and the stories15M shape, full and LoRA; medians after warm-up.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Training tokens/s and achieved FLOP/s (6N per token plus attention) for SFT "
        + "steps on stories260K and a random model of the stories15M shape, full and LoRA.")
public final class BenchTrainCommand implements Callable<Integer> {
  @Mixin BenchModels models;

  @Option(names = "--batch", defaultValue = "8", description = "Rows per step (default 8).")
  int batch;

  @Option(names = "--length", defaultValue = "256",
      description = "Tokens per row (default ${DEFAULT-VALUE}).")
  int length;

  @Option(names = "--warmup", defaultValue = "2", description = "Warm-up steps (default 2).")
  int warmup;

  @Option(names = "--steps", defaultValue = "5", description = "Measured steps (median).")
  int steps;

  @Option(names = "--lora-rank", defaultValue = "8", description = "LoRA rank (default 8).")
  int rank;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() {
    int n = threads.apply();
    TrainBenchmark bench = new TrainBenchmark().warmup(warmup).steps(steps).loraRank(rank);
    // training's precision on this device; other than fp32, fp32 is measured beside it
    Precision chosen = Precision.forTraining(false, false, Devices.current());
    List<Precision> precisions = chosen == Precision.FP32 ? List.of(chosen)
        : List.of(Precision.FP32, chosen);
    String before = loadAverage();
    List<Result> results = new ArrayList<>();
    for (Precision precision : precisions) {
      bench.precision(precision);
      for (boolean lora : new boolean[] {false, true}) {
        if (models.real() != null) {
          LoadedModel m = ModelLoader.load(models.real(), null);
          m.tokenizer().close();
          results.add(bench.run(models.realName(), m.model(), lora, batch, length));
        }
        if (models.random()) {
          results.add(bench.run("random-15M", LlamaModel.random(
              TrainBenchmark.stories15MShape(), 15), lora, batch, length));
        }
      }
    }
    System.out.printf(Locale.ROOT, "# SFT steps of %d x %d tokens on %s; %d threads, %d cores, "
        + "load average %s before, %s after; median of %d steps after %d warm-up%n", batch,
        length, Devices.name(Devices.current()), n, Runtime.getRuntime().availableProcessors(),
        before, loadAverage(), steps, warmup);
    Table t = new Table("MODEL", "MODE", "PARAMS", "TRAINED", "STEP MS", "TOKENS/S", "GFLOP/S");
    for (Result r : results) {
      t.add(r.model(), r.mode(), r.parameters(), r.trained(),
          String.format(Locale.ROOT, "%.0f", r.medianMs()),
          String.format(Locale.ROOT, "%.0f", r.tokensPerSecond()),
          String.format(Locale.ROOT, "%.1f", r.gflopsPerSecond()));
    }
    t.print(System.out);
    return 0;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
