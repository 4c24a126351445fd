package ai.temper.app.cli;

import ai.temper.engine.Workbench;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.train.RlBenchmark;
import ai.temper.engine.train.RlBenchmark.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code temper bench rl}: GRPO rollout tokens/s and the step time split (generation, scoring,
 * training) at 8 prompts x groups of 8 and 16, on stories260K and a random stories15M-shape
 * model, with the ratio to the engine's batched decoding at the same batch, in a scratch
 * workbench that is deleted afterwards.
 */
@Command(name = "rl", mixinStandardHelpOptions = true,
    description = "GRPO rollout tokens/s and step time (generation / scoring / training), and "
        + "the ratio to batched decoding at the same batch.")
public final class BenchRlCommand implements Callable<Integer> {
  @Mixin BenchModels models;

  @Option(names = "--prompts", defaultValue = "8", description = "Prompts per step (default 8).")
  int prompts;

  @Option(names = "--groups", split = ",", defaultValue = "8,16",
      description = "Group sizes (default 8,16).")
  List<Integer> groups;

  @Option(names = "--response-length", defaultValue = "64",
      description = "Tokens per completion at most (default ${DEFAULT-VALUE}).")
  int responseLength;

  @Option(names = "--steps", defaultValue = "3",
      description = "Measured steps after one warm-up step (median; default 3).")
  int steps;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() throws Exception {
    int n = threads.apply();
    String before = BenchTrainCommand.loadAverage();
    Path scratch = Files.createTempDirectory("temper-bench-rl");
    List<Result> results = new ArrayList<>();
    try (Workbench wb = Workbench.open(scratch.resolve("home"))) {
      List<String[]> measured = new ArrayList<>();
      Path real = models.real();
      if (real != null) {
        measured.add(new String[] {models.realName(), real.toString()});
      }
      if (models.random()) {
        Path tok = null;
        if (real != null && Files.isRegularFile(real)) {
          Path p = real;
          tok = ModelLoader.siblingTokenizer(p, ModelLoader.readCheckpoint(p, null).config());
        }
        if (tok == null) {
          System.err.println("no tokenizer for the random 15M-shape model: skipping it");
        } else {
          System.err.println("creating a random stories15M-shape model (one pretraining step)");
          measured.add(new String[] {"random-15M-shape",
              RlBenchmark.random15m(wb, tok, scratch.resolve("random")).toString()});
        }
      }
      for (String[] m : measured) {
        for (int g : groups) {
          System.err.printf("%s: %d prompts x %d%n", m[0], prompts, g);
          results.add(RlBenchmark.run(wb, m[0], Path.of(m[1]),
              scratch.resolve(m[0] + "-" + g), prompts, g, responseLength, steps));
        }
      }
    } finally {
      try (Stream<Path> s = Files.walk(scratch)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.printf(Locale.ROOT, "# GRPO steps, response_length %d, sampled at temperature 1;"
        + " %d threads, %d cores, load average %s before, %s after; median of %d steps after "
        + "1 warm-up%n", responseLength, n, Runtime.getRuntime().availableProcessors(), before,
        BenchTrainCommand.loadAverage(), steps);
    Table t = new Table("MODEL", "PARAMS", "BATCH", "ROLLOUT TOK/S", "DECODE TOK/S", "RATIO",
        "GEN S", "SCORE S", "TRAIN S");
    for (Result r : results) {
      t.add(r.model(), r.parameters(), r.prompts() + "x" + r.group(),
          String.format(Locale.ROOT, "%.0f", r.rolloutTokensPerSecond()),
          String.format(Locale.ROOT, "%.0f", r.decodeTokensPerSecond()),
          String.format(Locale.ROOT, "%.2f", r.ratio()),
          String.format(Locale.ROOT, "%.2f", r.generationSeconds()),
          String.format(Locale.ROOT, "%.3f", r.scoringSeconds()),
          String.format(Locale.ROOT, "%.2f", r.trainingSeconds()));
    }
    t.print(System.out);
    return 0;
  }
}
