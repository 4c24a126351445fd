package ai.temper.engine.generate;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoding throughput: generated tokens per second of wall time for a batch of BOS-only
 * prompts, greedy, EOS ignored. The JVM and the thread tuner warm up first (for some seconds);
 * each measured run repeats the generation until about a second has passed, and the median run
 * is reported, with tokens per second of the process's CPU time (all threads) beside it: on
 * a machine shared with other work that figure moves less than wall-clock throughput.
 */
public final class GenerationBenchmark {
  /** One measured configuration. */
  public record Result(String model, long parameters, boolean kvCache, int batch, int positions,
      double medianTokensPerSecond, double minTokensPerSecond, double maxTokensPerSecond,
      double medianTokensPerCpuSecond) {}

  private int warmup = 3;
  private int repeats = 5;
  private double warmupSeconds = 3;
  private double runSeconds = 1;

  /** Warm-up: at least {@code runs} generations and {@code seconds}. */
  public GenerationBenchmark warmup(int runs, double seconds) {
    this.warmup = runs;
    this.warmupSeconds = seconds;
    return this;
  }

  /** Measured runs, each repeating the generation for at least {@code seconds}. */
  public GenerationBenchmark repeats(int runs, double seconds) {
    if (runs <= 0) {
      throw new IllegalArgumentException("repeats must be positive");
    }
    this.repeats = runs;
    this.runSeconds = seconds;
    return this;
  }

  /** The stories15M shape (dim 288, 6 layers, 6 heads, vocab 32000) with random weights. */
  public static LlamaConfig stories15MShape() {
    return LlamaConfig.llama(32000, 288, 768, 6, 6, 6, 256, true);
  }

  /** Runs {@code positions} positions per row (BOS included) for {@code batch} rows. */
  public Result measure(String name, LlamaModel model, boolean kvCache, int batch,
      int positions) {
    List<int[]> prompts = new ArrayList<>();
    int bos = Math.max(0, model.config().bosTokenId());
    for (int i = 0; i < batch; i++) {
      prompts.add(new int[] {bos});
    }
    SamplingParams p = SamplingParams.greedy(0).withMaxLength(positions).withIgnoreEos(true);
    return measure(name, model, kvCache, prompts, p, positions);
  }

  /**
   * Decodes {@code newTokens} tokens after each of {@code prompts} (one batch, greedy, EOS
   * ignored): the raw batched decoding of given prompts, e.g. a GRPO step's, prefill included
   * in the time, only new tokens counted.
   */
  public Result measure(String name, LlamaModel model, List<int[]> prompts, int newTokens) {
    int longest = 0;
    for (int[] p : prompts) {
      longest = Math.max(longest, p.length);
    }
    return measure(name, model, true, prompts, SamplingParams.greedy(newTokens)
        .withIgnoreEos(true), longest + newTokens);
  }

  private Result measure(String name, LlamaModel model, boolean kvCache, List<int[]> prompts,
      SamplingParams p, int positions) {
    int batch = prompts.size();
    Generator g = new Generator(model, null).kvCache(kvCache).maxBatch(batch);
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) {
      g.generateIds(prompts, p, TokenListener.NONE);
    }
    double[] rates = new double[repeats];
    double[] cpuRates = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long c0 = processCpuNanos();
      long t0 = System.nanoTime();
      long end = t0 + (long) (runSeconds * 1e9);
      long tokens = 0;
      do {
        for (Generation x : g.generateIds(prompts, p, TokenListener.NONE)) {
          tokens += x.completionIds().length;
        }
      } while (System.nanoTime() < end);
      rates[i] = tokens / ((System.nanoTime() - t0) / 1e9);
      cpuRates[i] = tokens / Math.max(1e-9, (processCpuNanos() - c0) / 1e9);
    }
    Arrays.sort(cpuRates);
    Arrays.sort(rates);
    double median = repeats % 2 == 1 ? rates[repeats / 2]
        : (rates[repeats / 2 - 1] + rates[repeats / 2]) / 2;
    return new Result(name, model.config().parameterCount(), kvCache, batch, positions, median,
        rates[0], rates[repeats - 1], cpuRates[repeats / 2]);
  }

  /** CPU time of the whole process (all threads), or 0 where the JVM cannot tell. */
  private static long processCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime() : 0;
  }
}
