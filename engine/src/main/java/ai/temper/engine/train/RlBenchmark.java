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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
  /**
   * One configuration: medians over the measured steps (the first step is warm-up). ratio:
   * rollout rate over raw batched decoding of the same batch, the median of per-step ratios
   * (1 means the RL loop adds nothing); cpuRatio: the same in tokens per CPU second of the
   * process, which moves less than wall time on a shared machine.
   */
  public record Result(String model, long parameters, int prompts, int group,
      int promptLength, int responseLength, double rolloutTokensPerSecond, double rolloutTokensPerCpuSecond,
      double meanResponseLength, double generationSeconds, double scoringSeconds,
      double trainingSeconds, double decodeTokensPerSecond, double decodeTokensPerCpuSecond,
      double ratio, double cpuRatio) {}

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

  /**
   * Runs {@code steps} + 1 GRPO steps of {@code prompts} x {@code group} on {@code model}.
   * After each step (outside its timed parts) the same thread decodes the reference batch
   * once: the data's first {@code prompts} prompts in the chat template, each {@code group}
   * times, greedy, EOS ignored, {@code responseLength} new tokens, on a second copy of the
   * model. So every step's rollout rate has a reference measured seconds away under the same
   * load, and the ratio is the median of the per-step ratios.
   */
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
        "learning_rate=1e-4", "save_steps=0", "beta=0.01", "logging_steps=1"));
    TrainingRuns runs = wb.runs();
    long id = runs.create(c);
    Map<Integer, GenerationBenchmark.Result> decode = new ConcurrentHashMap<>();
    long params;
    int longest = 0;
    try (BaseModel base = BaseModel.load(c, wb.models())) {
      params = base.model().config().parameterCount();
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
      GenerationBenchmark once = new GenerationBenchmark().warmup(0, 0).repeats(1, 0);
      TrainListener reference = new TrainListener() {
        @Override
        public void onMetrics(long runId, int step, int totalSteps, Map<String, Double> m) {
          if (runId == id && m.containsKey("rollout_tokens_per_s")) {
            decode.put(step, once.measure(name, base.model(), batch, responseLength));
          }
        }
      };
      runs.addListener(reference);
      try {
        runs.run(id, JobContext.none());
      } finally {
        runs.removeListener(reference);
      }
    }
    List<Double> ratios = new ArrayList<>();
    List<Double> cpuRatios = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    List<Double> cpuRates = new ArrayList<>();
    Map<Integer, Double> rollout = byStep(wb, id, "rollout_tokens_per_s");
    Map<Integer, Double> rolloutCpu = byStep(wb, id, "rollout_tokens_per_cpu_s");
    decode.forEach((step, d) -> {
      if (step > 1 && rollout.containsKey(step)) {
        ratios.add(rollout.get(step) / d.medianTokensPerSecond());
        rates.add(d.medianTokensPerSecond());
        if (rolloutCpu.containsKey(step) && d.medianTokensPerCpuSecond() > 0) {
          cpuRatios.add(rolloutCpu.get(step) / d.medianTokensPerCpuSecond());
          cpuRates.add(d.medianTokensPerCpuSecond());
        }
      }
    });
    return new Result(name, params, prompts, group, longest, responseLength,
        median(wb, id, "rollout_tokens_per_s"), median(wb, id, "rollout_tokens_per_cpu_s"),
        median(wb, id, "response_length"), median(wb, id, "time/generation"),
        median(wb, id, "time/scoring"), median(wb, id, "time/training"), median(rates),
        median(cpuRates), median(ratios), median(cpuRatios));
  }

  private static Map<Integer, Double> byStep(Workbench wb, long run, String metric) {
    Map<Integer, Double> out = new java.util.HashMap<>();
    for (Metric m : wb.db().metrics().series(run, metric)) {
      out.put((int) m.step(), m.value());
    }
    return out;
  }

  /** run.c's single-stream rate: its own wall-clock figure, and per CPU second. */
  public record RunC(int positions, double tokensPerSecond, double tokensPerCpuSecond) {}

  /**
   * llama2.c's run.c ({@code runc}, a binary the user built) single-stream on {@code model}
   * (with the tokenizer.bin beside it): temperature 1, no top-p cut, {@code positions}
   * positions from BOS. Wall: the median of {@code repeats} runs of its own "achieved tok/s".
   * CPU: its CPU time (user + system, timed by bash) for {@code positions} minus that for 2
   * positions (loading the model), per token generated in between; a shared machine moves
   * this figure less.
   */
  public static RunC runC(Path runc, Path model, int positions, int repeats)
      throws IOException {
    double[] rates = new double[repeats];
    double[] cpuRates = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      double[] full = runOnce(runc, model, positions, i + 1);
      double[] start = runOnce(runc, model, 2, i + 1);
      rates[i] = full[0];
      cpuRates[i] = (positions - 2) / Math.max(1e-6, full[1] - start[1]);
    }
    Arrays.sort(rates);
    Arrays.sort(cpuRates);
    return new RunC(positions, rates[repeats / 2], cpuRates[repeats / 2]);
  }

  /** One run of run.c: {achieved tok/s (NaN below 3 positions), CPU seconds}. */
  private static double[] runOnce(Path runc, Path model, int positions, int seed)
      throws IOException {
    Process p = new ProcessBuilder("bash", "-c",
        "TIMEFORMAT='cpu %3U %3S'; time \"$0\" \"$@\" > /dev/null", runc.toString(),
        model.toString(), "-z", model.resolveSibling("tokenizer.bin").toString(), "-t", "1.0",
        "-p", "1.0", "-s", String.valueOf(seed), "-n", String.valueOf(positions), "-i", "")
        .start();
    p.getOutputStream().close();
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
    Matcher rate = Pattern.compile("achieved tok/s: ([0-9.]+)").matcher(err);
    Matcher cpu = Pattern.compile("cpu ([0-9.]+) ([0-9.]+)").matcher(err);
    if (!cpu.find() || (positions > 2 && !rate.find())) {
      throw new IOException(runc + " printed no \"achieved tok/s\" (is it llama2.c's run?): "
          + err.strip());
    }
    return new double[] {positions > 2 ? Double.parseDouble(rate.group(1)) : Double.NaN,
        Double.parseDouble(cpu.group(1)) + Double.parseDouble(cpu.group(2))};
  }

  private static double median(Workbench wb, long run, String metric) {
    List<Double> v = new ArrayList<>();
    for (Metric m : wb.db().metrics().series(run, metric)) {
      if (m.step() > 1) {
        v.add(m.value());
      }
    }
    return median(v);
  }

  private static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2]
        : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
