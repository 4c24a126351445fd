package ai.temper.engine.train;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.generate.GenerationBenchmark;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.store.MetricRepository.Metric;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code temper bench rl}: GRPO steps on the story-world prompts in a scratch workbench,
 * timed per step (generation, scoring, training) and as rollout tokens/s, next to the
 * engine's own batched decoding ({@link GenerationBenchmark}, sampling-free, KV cache) at the
 * same batch (prompts x group) and positions, measured in the same process.
 */
public final class RlBenchmark {
  /** One configuration: medians over the measured steps (the first step is warm-up). */
  public record Result(String model, long parameters, int prompts, int group,
      int responseLength, double rolloutTokensPerSecond, double generationSeconds,
      double scoringSeconds, double trainingSeconds, double decodeTokensPerSecond) {
    /** Rollout rate over raw batched decoding at the same batch: 1 means no overhead. */
    public double ratio() {
      return rolloutTokensPerSecond / decodeTokensPerSecond;
    }
  }

  private RlBenchmark() {}

  /**
   * A random model of the stories15M shape (dim 288, 6 layers) with {@code tokenizer}'s
   * vocabulary, written by one pretraining step into {@code home}; returns its checkpoint.
   */
  public static Path random15m(Workbench wb, Path tokenizer, Path scratch) throws IOException {
    Path text = scratch.resolve("text.jsonl");
    StringBuilder sb = new StringBuilder();
    for (ObjectNode o : StoryWorld.generate(1, 16, 0).sft()) {
      sb.append("{\"text\": ").append(o.get("messages").get(1).get("content").toString())
          .append("}\n");
    }
    Files.createDirectories(scratch);
    Files.writeString(text, sb);
    TrainConfig c = TrainConfig.defaults(TrainKind.PRETRAIN).withSets(List.of(
        "tokenizer_name=" + tokenizer, "model_size=small", "dataset_mixer_list=" + text + ",1.0",
        "eval_fraction=0", "max_train_steps=1", "per_device_train_batch_size=2",
        "max_seq_length=64", "save_steps=0"));
    TrainingRuns runs = wb.runs();
    return runs.run(runs.create(c), JobContext.none()).checkpoint();
  }

  /** Runs {@code steps} + 1 GRPO steps of {@code prompts} x {@code group} on {@code model}. */
  public static Result run(Workbench wb, String name, Path model, Path scratch, int prompts,
      int group, int responseLength, int steps) throws IOException {
    Path data = scratch.resolve("story-world");
    StoryWorld.write(data, 3, Math.max(64, prompts * (steps + 1)), 0);
    TrainConfig c = TrainConfig.defaults(TrainKind.GRPO).withSets(List.of(
        "model_name_or_path=" + model,
        "dataset_mixer_list=" + data.resolve("rlvr-train.jsonl") + ",1.0", "eval_fraction=0",
        "num_unique_prompts_rollout=" + prompts, "num_samples_per_prompt_rollout=" + group,
        "response_length=" + responseLength, "max_seq_length=" + (responseLength + 64),
        "max_train_steps=" + (steps + 1), "per_device_train_batch_size=" + prompts * group,
        "learning_rate=1e-4", "save_steps=0", "beta=0.01"));
    TrainingRuns runs = wb.runs();
    long id = runs.create(c);
    runs.run(id, JobContext.none());
    double decode;
    long params;
    try (LoadedModel m = ModelLoader.load(model, null)) {
      params = m.config().parameterCount();
      // positions: BOS + a typical story-world prompt (about 30 tokens) + the response
      decode = new GenerationBenchmark().warmup(1, 1).repeats(3, 1)
          .measure(name, m.model(), true, prompts * group, 30 + responseLength)
          .medianTokensPerSecond();
    }
    return new Result(name, params, prompts, group, responseLength,
        median(wb, id, "rollout_tokens_per_s"), median(wb, id, "time/generation"),
        median(wb, id, "time/scoring"), median(wb, id, "time/training"), decode);
  }

  private static double median(Workbench wb, long run, String metric) {
    List<Double> v = new ArrayList<>();
    for (Metric m : wb.db().metrics().series(run, metric)) {
      if (m.step() > 1) {
        v.add(m.value());
      }
    }
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2]
        : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
