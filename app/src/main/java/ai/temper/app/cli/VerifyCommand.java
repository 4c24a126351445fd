package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.eval.ModelVerification.Line;
import ai.temper.engine.eval.ModelVerification.Report;
import ai.temper.engine.eval.ModelVerification;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.train.DatasetMix;
import ai.temper.engine.train.TrainingData;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code temper verify --dataset NAME --model PATH [--samples N]}: generates completions for
 * the prompts of an RLVR dataset (or a GSM8K-style conversation set with ground truths) and
 * scores them with each row's verifier. stdout: the pass rate, then a table per verifier.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Score a model's completions on an RLVR dataset with its verifiers.")
public final class VerifyCommand implements Callable<Integer> {
  @ParentCommand TemperCommand root;

  @Option(names = "--dataset", required = true, paramLabel = "NAME",
      description = "A workbench dataset or a JSONL file of RLVR rows (or conversations "
          + "with a ground truth and verifier, such as an imported GSM8K).")
  String dataset;

  @Mixin ModelOptions model;

  @Option(names = "--samples", paramLabel = "N", defaultValue = "1",
      description = "Completions per prompt (default ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--limit", paramLabel = "N", description = "Score only the first N prompts.")
  Integer limit;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
      description = "Tokens per completion at most (default ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--temperature", paramLabel = "T",
      description = "Sampling temperature (default: 0, greedy, for one sample; 1 for more).")
  Double temperature;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
      description = "Sampling seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() throws Exception {
    if (samples <= 0) {
      throw new TemperException("--samples must be positive");
    }
    Workbench wb = root.workbench();
    List<JsonNode> rows;
    try {
      rows = TrainingData.mix(DatasetMix.of(dataset, 1.0), "rlvr", 0, wb.db());
    } catch (TemperException e) {
      if (!e.getMessage().contains("messages")) {
        throw e;
      }
      rows = TrainingData.mix(DatasetMix.of(dataset, 1.0), "messages", 0, wb.db());
    }
    // mix() shuffles with seed 0: a fixed order; --limit takes its first rows
    if (limit != null) {
      rows = rows.subList(0, Math.min(limit, rows.size()));
    }
    double t = temperature != null ? temperature : samples == 1 ? 0.0 : 1.0;
    SamplingParams params = SamplingParams.defaults().withTemperature(t)
        .withMaxNewTokens(maxNewTokens).withSeed(seed);
    threads.apply();
    Report r;
    try (LoadedModel m = model.load()) {
      List<JsonNode> used = rows;
      r = ConsoleProgress.run(wb.jobs(), "verify", "verify " + model.model.getFileName() + " on "
          + dataset, ctx -> ModelVerification.run(m, used, samples, params, ctx));
    }
    if (r.skipped() > 0) {
      System.err.println(r.skipped() + " rows skipped: no known verifier or no ground truth");
    }
    if (r.completions() == 0) {
      throw new TemperException(dataset + ": no row names a known verifier with a ground truth");
    }
    System.out.printf(Locale.ROOT, "pass rate %.4f (%d of %d completions, %d prompts x %d), "
        + "mean score %.4f%n", r.passRate(), r.passed(), r.completions(), r.prompts(), samples,
        r.meanScore());
    Table table = new Table("verifier", "prompts", "completions", "passed", "pass rate",
        "mean score");
    for (Line l : r.verifiers()) {
      table.add(l.verifier(), l.prompts(), l.completions(), l.passed(),
          String.format(Locale.ROOT, "%.4f", l.passRate()),
          String.format(Locale.ROOT, "%.4f", l.meanScore()));
    }
    table.print(System.out);
    return 0;
  }
}
