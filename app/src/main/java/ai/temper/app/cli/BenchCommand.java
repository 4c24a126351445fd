package ai.temper.app.cli;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.generate.GenerationBenchmark;
import ai.temper.engine.generate.GenerationBenchmark.Result;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
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

/** {@code temper bench ...}: speed measurements; results as a table on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure the engine's speed.",
    subcommands = {BenchCommand.Generate.class, BenchDatasetsCommand.class,
        BenchTrainCommand.class, BenchChatCommand.class, BenchRlCommand.class,
        BenchEvalCommand.class, BenchMemoryCommand.class})
public final class BenchCommand {

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Decoding tokens/s: single stream and batched, with and without KV cache, "
          + "on stories260K and a random model of the stories15M shape.")
  static final class Generate implements Callable<Integer> {
    @Mixin BenchModels models;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Its tokenizer.")
    Path tokenizer;

    @Option(names = "--batches", split = ",", paramLabel = "B,B,..", defaultValue = "1,8,32",
        description = "Batch sizes (default ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--kv-cache", defaultValue = "both", paramLabel = "both|yes|no",
        description = "Runs with the KV cache, without, or both (default ${DEFAULT-VALUE}).")
    String kvCache;

    @Option(names = "--positions", defaultValue = "256",
        description = "Positions per row with the KV cache (default ${DEFAULT-VALUE}).")
    int positions;

    @Option(names = "--no-cache-positions", defaultValue = "32",
        description = "Positions per row without the KV cache (default ${DEFAULT-VALUE}); "
            + "0 skips those runs.")
    int noCachePositions;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N",
        description = "Warm-up generations, at least (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "S",
        description = "Warm-up time per configuration, at least (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N",
        description = "Measured runs; the median is reported (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--run-seconds", defaultValue = "1", paramLabel = "S",
        description = "Each run repeats the generation for this long (default ${DEFAULT-VALUE}).")
    double runSeconds;

    @Mixin ThreadsOption threads;

    @Override
    public Integer call() {
      int n = threads.apply();
      String threadsText = TorchRuntime.isAutomatic() ? "1.." + n + " (tuned)" : "" + n;
      GenerationBenchmark bench = new GenerationBenchmark().warmup(warmup, warmupSeconds)
          .repeats(repeats, runSeconds);
      String loadBefore = loadAverage();
      List<Result> results = new ArrayList<>();
      if (models.real() != null) {
        try (LoadedModel m = ModelLoader.load(models.real(), tokenizer)) {
          run(bench, models.realName(), m.model(), results);
        }
      }
      if (models.random()) {
        try (LlamaModel m = LlamaModel.random(GenerationBenchmark.stories15MShape(), 15)) {
          run(bench, "random-15M", m, results);
        }
      }
      System.out.printf(Locale.ROOT, "# %s threads, %d cores, load average %s before, %s after;"
          + " greedy, BOS-only prompts; median of %d runs of %.1f s after %.1f s warm-up%n",
          threadsText,
          Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(), repeats,
          runSeconds, warmupSeconds);
      Table t = new Table("MODEL", "PARAMS", "KV CACHE", "BATCH", "POSITIONS", "TOKENS/S",
          "MIN", "MAX", "TOKENS/CPU-S");
      for (Result r : results) {
        t.add(r.model(), String.format(Locale.ROOT, "%.2fM", r.parameters() / 1e6),
            r.kvCache() ? "yes" : "no", r.batch(), r.positions(),
            String.format(Locale.ROOT, "%.0f", r.medianTokensPerSecond()),
            String.format(Locale.ROOT, "%.0f", r.minTokensPerSecond()),
            String.format(Locale.ROOT, "%.0f", r.maxTokensPerSecond()),
            String.format(Locale.ROOT, "%.0f", r.medianTokensPerCpuSecond()));
      }
      t.print(System.out);
      return 0;
    }

    private void run(GenerationBenchmark bench, String name, LlamaModel m, List<Result> out) {
      if (!List.of("both", "yes", "no").contains(kvCache)) {
        throw new IllegalArgumentException("--kv-cache must be both, yes or no");
      }
      for (int b : kvCache.equals("no") ? List.<Integer>of() : batches) {
        System.err.printf("bench: %s, KV cache, batch %d%n", name, b);
        out.add(bench.measure(name, m, true, b, Math.min(positions,
            m.config().maxPositionEmbeddings())));
      }
      if (noCachePositions > 0 && !kvCache.equals("yes")) {
        for (int b : batches) {
          System.err.printf("bench: %s, no cache, batch %d%n", name, b);
          out.add(bench.measure(name, m, false, b, noCachePositions));
        }
      }
    }

    private static String loadAverage() {
      try {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return f[0];
      } catch (IOException | RuntimeException e) {
        return "n/a";
      }
    }
  }
}
