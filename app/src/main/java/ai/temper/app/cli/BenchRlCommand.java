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

  @Option(names = "--runc", paramLabel = "PATH",
      description = "llama2.c's run binary (gcc -Ofast -march=native run.c -lm -o run): its "
          + "single-stream tok/s on the same 15M-shape file, and the 8 x 16 rollout rate over "
          + "it.")
  Path runc;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() throws Exception {
    if (runc != null && !Files.isExecutable(runc)) {
      System.err.println("--runc: " + runc + " is not an executable file");
      return 2;
    }
    int n = threads.apply();
    String before = BenchTrainCommand.loadAverage();
    Path scratch = Files.createTempDirectory("temper-bench-rl");
    List<Result> results = new ArrayList<>();
    RlBenchmark.RunC runcRate = null;
    try (Workbench wb = Workbench.open(scratch.resolve("home"))) {
      List<String[]> measured = new ArrayList<>();
      Path real = models.real();
      if (real != null) {
        measured.add(new String[] {models.realName(), real.toString()});
      }
      Path random = null;
      if (models.random()) {
        Path tok = null;
        if (real != null && Files.isRegularFile(real)) {
          Path p = real;
          tok = ModelLoader.siblingTokenizer(p, ModelLoader.readCheckpoint(p, null).config());
        }
        if (tok == null) {
          System.err.println("no llama2.c tokenizer beside --model for the random 15M-shape "
              + "model: skipping it");
        } else {
          System.err.println("writing a random stories15M-shape model (llama2.c format)");
          random = RlBenchmark.random15m(tok, scratch.resolve("random"));
          measured.add(new String[] {"random-15M-shape", random.toString()});
        }
      }
      for (String[] m : measured) {
        for (int g : groups) {
          System.err.printf("%s: %d prompts x %d%n", m[0], prompts, g);
          Result r = RlBenchmark.run(wb, m[0], Path.of(m[1]),
              scratch.resolve(m[0] + "-" + g), prompts, g, responseLength, steps);
          results.add(r);
          if (m[1].equals(String.valueOf(random)) && runc != null && runcRate == null) {
            int positions = r.promptLength() + responseLength;
            System.err.printf("llama2.c run.c single-stream on the same file, %d positions%n",
                positions);
            runcRate = RlBenchmark.runC(runc, random, positions, 3);
          }
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
    System.out.println("# DECODE: raw batched decoding of the same prompts x group (greedy, EOS "
        + "ignored, response_length tokens each, prefill timed); CPU: per CPU second of the "
        + "process");
    Table t = new Table("MODEL", "PARAMS", "BATCH", "MEAN LEN", "ROLLOUT TOK/S", "DECODE TOK/S",
        "RATIO", "CPU RATIO", "GEN S", "SCORE S", "TRAIN S");
    for (Result r : results) {
      t.add(r.model(), r.parameters(), r.prompts() + "x" + r.group(),
          String.format(Locale.ROOT, "%.1f", r.meanResponseLength()),
          String.format(Locale.ROOT, "%.0f", r.rolloutTokensPerSecond()),
          String.format(Locale.ROOT, "%.0f", r.decodeTokensPerSecond()),
          String.format(Locale.ROOT, "%.2f", r.ratio()),
          String.format(Locale.ROOT, "%.2f", r.cpuRatio()),
          String.format(Locale.ROOT, "%.2f", r.generationSeconds()),
          String.format(Locale.ROOT, "%.3f", r.scoringSeconds()),
          String.format(Locale.ROOT, "%.2f", r.trainingSeconds()));
    }
    t.print(System.out);
    if (runcRate == null) {
      System.out.println("# llama2.c reference not run" + (runc == null
          ? " (give --runc PATH to llama2.c's run, built with gcc -Ofast -march=native)"
          : " (no random 15M-shape model)"));
    } else {
      System.out.printf(Locale.ROOT, "# llama2.c run.c, one thread, same 15M-shape file, %d "
          + "positions from BOS: %.1f tok/s, %.1f tok per CPU s (median of 3)%n",
          runcRate.positions(), runcRate.tokensPerSecond(), runcRate.tokensPerCpuSecond());
      for (Result r : results) {
        if (r.model().equals("random-15M-shape")) {
          System.out.printf(Locale.ROOT, "# rollouts %dx%d over run.c single-stream: %.2fx "
              + "(wall), %.2fx (CPU)%n", r.prompts(), r.group(),
              r.rolloutTokensPerSecond() / runcRate.tokensPerSecond(),
              r.rolloutTokensPerCpuSecond() / runcRate.tokensPerCpuSecond());
        }
      }
    }
    return 0;
  }
}
