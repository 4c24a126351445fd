package ai.temper.engine.eval;

import ai.temper.engine.data.Example;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Instances per second of a generation task as the evaluator runs it (prompts built, batched
 * greedy generation, answers scored), at a given batch size. Loading the model and storing
 * results are not timed.
 */
public final class EvalBenchmark {
  /** The benchmark task: story prompts, continued greedily up to 64 tokens. */
  public static final EvalTask TASK = new EvalTask("bench-cloze", TaskType.GENERATE,
      "resource:eval/data/story-cloze.jsonl", false, "prefix", null, 0, EvalTask.PLAIN, 64,
      List.of(), null, null);

  /**
   * Median instances/s of {@code repeats} runs after {@code warmup} unmeasured ones, and per
   * second of the process's CPU time (all threads), which other processes disturb less.
   */
  public record Result(int batch, int instances, double instancesPerSecond,
      double tokensPerSecond, double instancesPerCpuSecond, double[] runs) {}

  private EvalBenchmark() {}

  /** {@code n} prompts: the cloze prompts, then the unseen ones, repeated as needed. */
  public static List<Example> instances(int n) {
    List<Example> all = new ArrayList<>(TaskData.load(TASK.data(), null, null).examples());
    all.addAll(TaskData.load("resource:eval/data/story-cloze-unseen.jsonl", null, null)
        .examples());
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(all.get(i % all.size()));
    }
    return out;
  }

  private static long cpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  public static Result run(LoadedModel m, List<Example> examples, int batch, int warmup,
      int repeats) {
    AnswerScorer scorer = AnswerScorer.of(TASK.scorer());
    Evaluator.Options o = Evaluator.Options.defaults().withBatchSize(batch);
    for (int i = 0; i < warmup; i++) {
      Evaluator.generateAll(m, TASK, examples, List.of(), o, JobContext.none());
    }
    double[] rates = new double[repeats];
    double[] tokenRates = new double[repeats];
    double[] cpuRates = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      long c0 = cpuNanos();
      Evaluator.Generated g = Evaluator.generateAll(m, TASK, examples, List.of(), o,
          JobContext.none());
      long tokens = 0;
      for (int i = 0; i < examples.size(); i++) {
        scorer.score(g.gens().get(i).completion(), examples.get(i));
        tokens += g.gens().get(i).completionIds().length;
      }
      double s = (System.nanoTime() - t0) / 1e9;
      cpuRates[r] = examples.size() / Math.max(1e-9, (cpuNanos() - c0) / 1e9);
      rates[r] = examples.size() / s;
      tokenRates[r] = tokens / s;
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    double[] tsorted = tokenRates.clone();
    Arrays.sort(tsorted);
    double[] csorted = cpuRates.clone();
    Arrays.sort(csorted);
    return new Result(batch, examples.size(), sorted[repeats / 2], tsorted[repeats / 2],
        csorted[repeats / 2], rates);
  }
}
