package ai.temper.engine.train;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.generate.GenerationBenchmark;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.hf.Llama2cVocab;
import ai.temper.engine.store.MetricRepository.Metric;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code temper bench rl}: GRPO steps on the story-world prompts in a scratch workbench,
 * timed per step (generation, scoring, training) and as rollout tokens/s, next to the
 * engine's own raw batched decoding of the same batch ({@link GenerationBenchmark}: the same
 * prompts x group, KV cache, greedy, EOS ignored, response_length new tokens each, prefill in
 * the time), measured in the same process right after. What the ratio shows is what the RL
 * loop adds to decoding: sampling, stop checks, text, early-stopping rows, bookkeeping.
 */
public final class RlBenchmark {
  /** One configuration: medians over the measured steps (the first step is warm-up). */
  public record Result(String model, long parameters, int prompts, int group,
      int promptLength, int responseLength, double rolloutTokensPerSecond, double rolloutTokensPerCpuSecond,
      double meanResponseLength, double generationSeconds, double scoringSeconds,
      double trainingSeconds, double decodeTokensPerSecond, double decodeTokensPerCpuSecond) {
    /** Rollout rate over raw batched decoding at the same batch: 1 means no overhead. */
    public double ratio() {
      return rolloutTokensPerSecond / decodeTokensPerSecond;
    }

    /** The same in tokens per CPU second of the process (steadier on a shared machine). */
    public double cpuRatio() {
      return rolloutTokensPerCpuSecond / decodeTokensPerCpuSecond;
    }
  }

  private RlBenchmark() {}

  /**
   * A model of the stories15M shape (dim 288, 6 layers, 6 heads, vocab 32000, 256 positions,
   * 15.2M parameters) with random weights, written in llama2.c's format as
   * {@code dir/stories15M-shape.bin} with a {@code tokenizer.bin} beside it: {@code tokenizer}'s
   * pieces (a llama2.c tokenizer file) padded to 32000 with pieces no merge reaches, so the
   * prompts encode as with {@code tokenizer}. llama2.c's run.c reads both files as they are.
   */
  public static Path random15m(Path tokenizer, Path dir) throws IOException {
    LlamaConfig c = GenerationBenchmark.stories15MShape();
    Files.createDirectories(dir);
    Path model = dir.resolve("stories15M-shape.bin");
    Llama2cCheckpoint.writeRandom(model, c, 15);
    Llama2cVocab.read(tokenizer).padTo(c.vocabSize()).write(dir.resolve("tokenizer.bin"));
    return model;
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
    GenerationBenchmark.Result decode;
    long params;
    int longest = 0;
    try (BaseModel base = BaseModel.load(c, wb.models())) {
      params = base.model().config().parameterCount();
      // the same batch: the first prompts of the data, each group times, as a step samples them
      List<int[]> batch = new ArrayList<>();
      List<JsonNode> rows = TrainingData.load(c, wb.db()).train();
      for (int i = 0; i < prompts; i++) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : rows.get(i % rows.size()).path("messages")) {
          messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
        }
        int[] ids = base.chat().encodePrompt(messages);
        longest = Math.max(longest, ids.length);
        for (int k = 0; k < group; k++) {
          batch.add(ids);
        }
      }
      decode = new GenerationBenchmark().warmup(1, 1).repeats(3, 1)
          .measure(name, base.model(), batch, responseLength);
    }
    return new Result(name, params, prompts, group, longest, responseLength,
        median(wb, id, "rollout_tokens_per_s"), median(wb, id, "rollout_tokens_per_cpu_s"),
        median(wb, id, "response_length"), median(wb, id, "time/generation"),
        median(wb, id, "time/scoring"), median(wb, id, "time/training"),
        decode.medianTokensPerSecond(), decode.medianTokensPerCpuSecond());
  }

  /**
   * llama2.c's run.c ({@code runc}, a binary the user built) single-stream on {@code model}
   * (with the tokenizer.bin beside it): temperature 1, no top-p cut, {@code steps} positions
   * from BOS; the median of {@code repeats} runs of its own "achieved tok/s".
   */
  public static double runC(Path runc, Path model, int steps, int repeats) throws IOException {
    double[] rates = new double[repeats];
    Pattern rate = Pattern.compile("achieved tok/s: ([0-9.]+)");
    for (int i = 0; i < repeats; i++) {
      Process p = new ProcessBuilder(runc.toString(), model.toString(), "-z",
          model.resolveSibling("tokenizer.bin").toString(), "-t", "1.0", "-p", "1.0", "-s",
          String.valueOf(i + 1), "-n", String.valueOf(steps), "-i", "")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      try {
        if (p.waitFor() != 0) {
          throw new IOException(runc + " failed (exit " + p.exitValue() + "): " + err.strip());
        }
      } catch (InterruptedException e) {
        p.destroy();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while " + runc + " ran", e);
      }
      Matcher m = rate.matcher(err);
      if (!m.find()) {
        throw new IOException(runc + " printed no \"achieved tok/s\" (is it llama2.c's run?): "
            + err.strip());
      }
      rates[i] = Double.parseDouble(m.group(1));
    }
    Arrays.sort(rates);
    return rates[repeats / 2];
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
