package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.ModelLocation;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.EvalRepository;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.NewMetric;
import ai.temper.engine.store.EvalRepository.NewTaskResult;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.engine.train.RewardScorer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.ToDoubleFunction;

/**
 * Runs a suite on a model and stores what it finds: per task its metrics (with bootstrap
 * intervals) and every instance's prompt, output, reference, extracted answer and score, in one
 * transaction per task. A task already evaluated with the same model files (by hash), task
 * definition and data is reused unless forced; the model is loaded only when some task needs
 * computing. Generation is greedy and batched; progress and cancellation go through the job
 * context.
 */
public final class Evaluator {
  /** Changes when scoring changes, so older stored results are not reused. */
  public static final String SCORING_VERSION = "1";

  /**
   * How to run.
   *
   * @param limit         the first N instances of each task (null: the task's own limit)
   * @param includeUnseen run the suite's unseen tasks too
   * @param force         compute again even if an identical evaluation is stored
   * @param batchSize     prompts (or texts, pairs) per batch
   * @param runId         the training run the model comes from (null: from the library entry)
   * @param step          its step
   */
  public record Options(Integer limit, boolean includeUnseen, boolean force, int batchSize,
      Long runId, Long step) {
    public static Options defaults() {
      return new Options(null, false, false, 16, null, null);
    }

    public Options withLimit(Integer n) {
      return new Options(n, includeUnseen, force, batchSize, runId, step);
    }

    public Options withForce(boolean f) {
      return new Options(limit, includeUnseen, f, batchSize, runId, step);
    }

    public Options withIncludeUnseen(boolean u) {
      return new Options(limit, u, force, batchSize, runId, step);
    }

    public Options withBatchSize(int b) {
      return new Options(limit, includeUnseen, force, b, runId, step);
    }

    public Options withRun(Long run, Long atStep) {
      return new Options(limit, includeUnseen, force, batchSize, run, atStep);
    }
  }

  /** What happened to one task. */
  public enum Status { COMPUTED, REUSED, SKIPPED_UNSEEN, FAILED }

  /** One task's outcome: its stored metrics (primary first) unless skipped or failed. */
  public record TaskOutcome(EvalTask task, Status status, List<Result> metrics, String error,
      double seconds) {}

  /** A suite's outcome. */
  public record SuiteOutcome(String suite, String model, String modelHash,
      List<TaskOutcome> tasks) {}

  private final Database db;
  private final ModelLibrary library;

  public Evaluator(Workbench wb) {
    this.db = wb.db();
    this.library = wb.models();
  }

  public SuiteOutcome run(String modelRef, EvalSuite suite, Options o, JobContext ctx) {
    ModelLocation loc = library.locate(modelRef);
    ModelRow entry = loc.entry();
    if (entry == null) {
      entry = db.models().findByPath(loc.model().toString()).stream().findFirst().orElse(null);
    }
    ctx.progress(0, "hashing " + loc.model().getFileName());
    String hash = ModelHash.of(loc.model(), loc.tokenizer());
    Long runId = o.runId() != null ? o.runId() : entry == null ? null : entry.runId();
    Long step = o.step() != null ? o.step() : entry == null ? null : entry.step();
    String name = entry != null ? entry.name() : loc.model().getFileName().toString();
    Target target = new Target(loc, entry == null ? null : entry.id(), name, hash, runId, step);
    List<TaskOutcome> out = new ArrayList<>();
    List<EvalTask> tasks = suite.tasks();
    try {
      for (int i = 0; i < tasks.size(); i++) {
        EvalTask task = tasks.get(i).withLimit(o.limit());
        ctx.checkCancelled();
        if (task.unseen() && !o.includeUnseen()) {
          out.add(new TaskOutcome(task, Status.SKIPPED_UNSEEN, List.of(), null, 0));
          continue;
        }
        double base = (double) i / tasks.size();
        double span = 1.0 / tasks.size();
        TaskContext tc = new TaskContext(ctx, base, span, task.name());
        long t0 = System.nanoTime();
        try {
          out.add(runTask(suite, task, target, o, tc, t0));
        } catch (TemperException e) {
          out.add(new TaskOutcome(task, Status.FAILED, List.of(), e.getMessage(),
              (System.nanoTime() - t0) / 1e9));
        }
      }
    } finally {
      target.close();
    }
    ctx.progress(1, "done");
    return new SuiteOutcome(suite.name(), name, hash, out);
  }

  private TaskOutcome runTask(EvalSuite suite, EvalTask task, Target target, Options o,
      TaskContext tc, long t0) {
    tc.progress(0, "reading data");
    TaskData data = TaskData.load(task.data(), db, task.limit());
    if (data.examples().isEmpty()) {
      throw new TemperException("task " + task.name() + ": no instances in " + task.data());
    }
    TaskData fewshot = task.shots() > 0 ? TaskData.load(task.fewshot(), db, task.shots()) : null;
    ObjectNode settings = task.settingsJson();
    settings.put("data_fingerprint", data.fingerprint());
    if (fewshot != null) {
      settings.put("fewshot_fingerprint", fewshot.fingerprint());
    }
    settings.put("instances", data.examples().size());
    settings.put("scoring_version", SCORING_VERSION);
    String judgeHash = null;
    ModelLocation judge = null;
    if (task.judge() != null) {
      judge = library.locate(task.judge());
      judgeHash = ModelHash.of(judge.model(), judge.tokenizer());
      settings.put("judge_hash", judgeHash);
    }
    String key = TaskData.sha256((target.hash + "\n" + settings.toString())
        .getBytes(StandardCharsets.UTF_8));
    EvalRepository repo = db.evals();
    if (!o.force()) {
      List<Result> stored = repo.findByKey(key);
      if (!stored.isEmpty()) {
        tc.progress(1, "reused");
        return new TaskOutcome(task, Status.REUSED, stored, null,
            (System.nanoTime() - t0) / 1e9);
      }
    }
    Computed c = switch (task.type()) {
      case GENERATE -> generate(task, data.examples(), fewshot, target, o, tc);
      case PERPLEXITY -> perplexity(data.examples(), target, o, tc);
      case RM_ACCURACY -> rmAccuracy(task, data.examples(), target, o, tc);
      case WIN_RATE -> winRate(task, data.examples(), target, judge, o, tc);
    };
    tc.checkCancelled();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long id = repo.storeTask(new NewTaskResult(target.modelId, target.loc.model().toString(),
        target.name, target.hash, suite.name(), task.name(), task.unseen(), key,
        settings.toString(), target.runId, target.step, seconds, c.metrics, c.instances));
    return new TaskOutcome(task, Status.COMPUTED, repo.metrics(id), null, seconds);
  }

  // ---------------------------------------------------------------- task types

  private record Computed(List<NewMetric> metrics, List<Instance> instances) {}

  private Computed generate(EvalTask task, List<Example> examples, TaskData fewshot,
      Target target, Options o, TaskContext tc) {
    AnswerScorer scorer = AnswerScorer.of(task.scorer());
    LoadedModel m = target.model(tc);
    Generated g0 = generateAll(m, task, examples,
        fewshot == null ? List.of() : fewshot.examples(), o, tc);
    List<Generation> gens = g0.gens();
    List<Prompts.Prompt> prompts = g0.prompts();
    List<Instance> instances = new ArrayList<>();
    Map<String, double[]> values = new LinkedHashMap<>();
    for (int i = 0; i < examples.size(); i++) {
      Generation g = gens.get(i);
      Example e = examples.get(i);
      AnswerScorer.Scored s = scorer.score(g.completion(), e);
      for (Map.Entry<String, Double> v : s.values().entrySet()) {
        values.computeIfAbsent(v.getKey(), k -> new double[examples.size()])[i] = v.getValue();
      }
      ObjectNode meta = JsonNodeFactory.instance.objectNode();
      meta.put("shots", prompts.get(i).shots());
      if (prompts.get(i).truncated()) {
        meta.put("truncated", true);
      }
      meta.put("finish", g.finishReason().name().toLowerCase(java.util.Locale.ROOT));
      meta.put("completion_tokens", g.completionIds().length);
      s.values().forEach(meta::put);
      instances.add(new Instance(i, prompts.get(i).text(), g.completion(), Prompts.target(e),
          s.extracted(), s.primary(), meta.toString()));
    }
    List<NewMetric> metrics = new ArrayList<>();
    values.forEach((k, v) -> metrics.add(meanMetric(k, v)));
    return new Computed(metrics, instances);
  }

  /** The prompts and greedy completions of a task's instances, in instance order. */
  record Generated(List<Prompts.Prompt> prompts, List<Generation> gens) {}

  /** Greedy completions of every instance, batched, in instance order. */
  static Generated generateAll(LoadedModel m, EvalTask task, List<Example> examples,
      List<Example> shots, Options o, JobContext tc) {
    ChatEncoder chat = ChatEngine.encoderFor(m);
    int positions = m.config().maxPositionEmbeddings();
    int maxNew = Math.min(task.maxNewTokens(), positions / 2);
    int budget = positions - maxNew;
    List<Prompts.Prompt> built = new ArrayList<>();
    for (Example e : examples) {
      built.add(Prompts.build(e, shots, task.shots(), task.format(), m.tokenizer(), chat,
          budget));
    }
    List<String> stops = new ArrayList<>(task.stop());
    if (EvalTask.CHAT.equals(task.format())) {
      stops.addAll(ChatEngine.templateStops(chat.template()));
    }
    SamplingParams params = SamplingParams.greedy(maxNew).withStopStrings(stops);
    // similar prompt lengths share a batch: less padding
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> built.get(i).ids().length));
    Generation[] out = new Generation[examples.size()];
    Generator generator = new Generator(m.model(), m.tokenizer()).maxBatch(o.batchSize());
    int done = 0;
    for (int from = 0; from < order.size(); from += o.batchSize()) {
      tc.checkCancelled();
      List<Integer> chunk = order.subList(from, Math.min(order.size(), from + o.batchSize()));
      List<int[]> ids = new ArrayList<>();
      for (int i : chunk) {
        ids.add(built.get(i).ids());
      }
      List<Generation> gens = generator.generateIds(ids, params,
          (row, id, piece) -> !tc.isCancelled());
      tc.checkCancelled();
      for (int k = 0; k < chunk.size(); k++) {
        out[chunk.get(k)] = gens.get(k);
      }
      done += chunk.size();
      tc.progress((double) done / examples.size(),
          String.format("%,d of %,d instances", done, examples.size()));
    }
    return new Generated(built, List.of(out));
  }

  private Computed perplexity(List<Example> examples, Target target, Options o,
      TaskContext tc) {
    LoadedModel m = target.model(tc);
    List<String> texts = new ArrayList<>();
    for (Example e : examples) {
      texts.add(e.kind() == DatasetKind.TEXT ? e.text() : conversationText(e));
    }
    int[] done = {0};
    List<Perplexity.TextScore> scores = Perplexity.score(m.model(), m.tokenizer(), texts,
        o.batchSize(), tc, n -> {
          done[0] += n;
          tc.progress(Math.min(1, (double) done[0] / texts.size()), "scoring texts");
        });
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      Perplexity.TextScore s = scores.get(i);
      ObjectNode meta = JsonNodeFactory.instance.objectNode();
      meta.put("nll", s.nll()).put("tokens", s.tokens()).put("bytes", s.bytes());
      instances.add(new Instance(i, texts.get(i), null, null,
          String.format(java.util.Locale.ROOT, "%.4f", s.perplexity()), s.bitsPerByte(),
          meta.toString()));
    }
    ToDoubleFunction<int[]> ppl = idx -> {
      List<Perplexity.TextScore> pick = new ArrayList<>();
      for (int i : idx) {
        pick.add(scores.get(i));
      }
      return Perplexity.perplexity(pick);
    };
    ToDoubleFunction<int[]> bpb = idx -> {
      List<Perplexity.TextScore> pick = new ArrayList<>();
      for (int i : idx) {
        pick.add(scores.get(i));
      }
      return Perplexity.bitsPerByte(pick);
    };
    long tokens = scores.stream().mapToLong(Perplexity.TextScore::tokens).sum();
    return new Computed(List.of(
        metric("perplexity", Perplexity.perplexity(scores), texts.size(), ppl),
        metric("bits_per_byte", Perplexity.bitsPerByte(scores), texts.size(), bpb),
        new NewMetric("tokens", tokens, null, null)), instances);
  }

  private Computed rmAccuracy(EvalTask task, List<Example> examples, Target target, Options o,
      TaskContext tc) {
    List<Instance> instances = new ArrayList<>();
    double[] right = new double[examples.size()];
    double[] margins = new double[examples.size()];
    try (RewardScorer rm = RewardScorer.load(target.loc.model())) {
      for (int from = 0; from < examples.size(); from += o.batchSize()) {
        tc.checkCancelled();
        int to = Math.min(examples.size(), from + o.batchSize());
        List<List<ChatMessage>> convs = new ArrayList<>();
        for (int i = from; i < to; i++) {
          Example e = examples.get(i);
          if (e.kind() != DatasetKind.PREFERENCE) {
            throw new TemperException("task " + task.name() + ": rm_accuracy needs preference "
                + "pairs, but " + task.data() + " holds " + e.kind().id() + " examples");
          }
          convs.add(side(e, e.chosen()));
          convs.add(side(e, e.rejected()));
        }
        float[] r = rm.score(convs);
        for (int i = from; i < to; i++) {
          Example e = examples.get(i);
          double rc = r[2 * (i - from)];
          double rr = r[2 * (i - from) + 1];
          right[i] = rc > rr ? 1 : rc == rr ? 0.5 : 0;
          margins[i] = rc - rr;
          ObjectNode meta = JsonNodeFactory.instance.objectNode();
          meta.put("reward_chosen", rc).put("reward_rejected", rr);
          instances.add(new Instance(i, Prompts.question(e), lastText(e.rejected()),
              lastText(e.chosen()), String.format(java.util.Locale.ROOT, "%.4f", rc - rr),
              right[i], meta.toString()));
        }
        tc.progress((double) to / examples.size(), String.format("%,d of %,d pairs", to,
            examples.size()));
      }
    }
    return new Computed(List.of(meanMetric("accuracy", right),
        meanMetric("mean_margin", margins)), instances);
  }

  private Computed winRate(EvalTask task, List<Example> examples, Target target,
      ModelLocation judgeAt, Options o, TaskContext tc) {
    LoadedModel m = target.model(tc);
    Generated g0 = generateAll(m, task, examples, List.of(), o,
        new TaskContext(tc.ctx, tc.base, tc.span * 0.8, tc.task));
    List<Generation> gens = g0.gens();
    List<Prompts.Prompt> prompts = g0.prompts();
    List<Instance> instances = new ArrayList<>();
    double[] wins = new double[examples.size()];
    double[] prefs = new double[examples.size()];
    double[] lengthDiff = new double[examples.size()];
    tc.progress(0.8, "judging");
    try (RewardScorer judge = RewardScorer.load(judgeAt.model())) {
      for (int from = 0; from < examples.size(); from += o.batchSize()) {
        tc.checkCancelled();
        int to = Math.min(examples.size(), from + o.batchSize());
        List<List<ChatMessage>> convs = new ArrayList<>();
        for (int i = from; i < to; i++) {
          Example e = examples.get(i);
          String ref = Prompts.referenceAnswer(e);
          if (ref == null) {
            throw new TemperException("task " + task.name() + ": instance " + i
                + " has no reference answer to compare with");
          }
          convs.add(withAnswer(e, gens.get(i).completion()));
          convs.add(withAnswer(e, ref));
        }
        float[] r = judge.score(convs);
        for (int i = from; i < to; i++) {
          Example e = examples.get(i);
          double rg = r[2 * (i - from)];
          double rr = r[2 * (i - from) + 1];
          String gen = gens.get(i).completion();
          String ref = Prompts.referenceAnswer(e);
          wins[i] = rg > rr ? 1 : rg == rr ? 0.5 : 0;
          prefs[i] = LengthControl.sigmoid(rg - rr);
          lengthDiff[i] = gen.length() - ref.length();
          ObjectNode meta = JsonNodeFactory.instance.objectNode();
          meta.put("reward_model", rg).put("reward_reference", rr)
              .put("length_model", gen.length()).put("length_reference", ref.length());
          instances.add(new Instance(i, prompts.get(i).text(), gen, ref,
              String.format(java.util.Locale.ROOT, "%.4f", rg - rr), wins[i],
              meta.toString()));
        }
        tc.progress(0.8 + 0.2 * to / examples.size(), "judging");
      }
    }
    ToDoubleFunction<int[]> lc = idx -> {
      double[] p = new double[idx.length];
      double[] d = new double[idx.length];
      for (int k = 0; k < idx.length; k++) {
        p[k] = prefs[idx[k]];
        d[k] = lengthDiff[idx[k]];
      }
      return LengthControl.winRate(p, d);
    };
    return new Computed(List.of(meanMetric("win_rate", wins),
        metric("lc_win_rate", LengthControl.winRate(prefs, lengthDiff), examples.size(), lc),
        meanMetric("win_probability", prefs)), instances);
  }

  /** A conversation's turns (for a pair: the prompt and the chosen side), one per line. */
  private static String conversationText(Example e) {
    StringBuilder sb = new StringBuilder();
    for (Message m : e.conversation()) {
      sb.append(sb.length() == 0 ? "" : "\n").append(m.content());
    }
    return sb.toString();
  }

  private static List<ChatMessage> side(Example e, List<Message> continuation) {
    List<ChatMessage> out = new ArrayList<>();
    for (Message msg : e.prompt()) {
      out.add(new ChatMessage(msg.role(), msg.content()));
    }
    for (Message msg : continuation) {
      out.add(new ChatMessage(msg.role(), msg.content()));
    }
    return out;
  }

  private static List<ChatMessage> withAnswer(Example e, String answer) {
    List<ChatMessage> out = new ArrayList<>();
    for (Message msg : Prompts.promptTurns(e)) {
      out.add(new ChatMessage(msg.role(), msg.content()));
    }
    out.add(ChatMessage.assistant(answer));
    return out;
  }

  private static String lastText(List<Message> side) {
    return side.isEmpty() ? "" : side.get(side.size() - 1).content();
  }

  // ---------------------------------------------------------------- metrics

  private static NewMetric meanMetric(String name, double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    Bootstrap.Interval ci = Bootstrap.mean(v, seed(name));
    return new NewMetric(name, v.length == 0 ? Double.NaN : s / v.length,
        ci == null ? null : ci.low(), ci == null ? null : ci.high());
  }

  private static NewMetric metric(String name, double value, int n,
      ToDoubleFunction<int[]> f) {
    Bootstrap.Interval ci = Bootstrap.of(n, f, seed(name));
    return new NewMetric(name, value, ci == null ? null : ci.low(),
        ci == null ? null : ci.high());
  }

  private static long seed(String metric) {
    return metric.hashCode() * 31L + 1234567L;
  }

  // ---------------------------------------------------------------- plumbing

  /** The evaluated model: where it is, who it is, and (once needed) loaded. */
  private static final class Target implements AutoCloseable {
    final ModelLocation loc;
    final Long modelId;
    final String name;
    final String hash;
    final Long runId;
    final Long step;
    private LoadedModel loaded;

    Target(ModelLocation loc, Long modelId, String name, String hash, Long runId, Long step) {
      this.loc = loc;
      this.modelId = modelId;
      this.name = name;
      this.hash = hash;
      this.runId = runId;
      this.step = step;
    }

    LoadedModel model(JobContext ctx) {
      if (loaded == null) {
        ctx.progress(0, "loading " + name);
        loaded = ModelLoader.load(loc.model(), loc.tokenizer());
      }
      return loaded;
    }

    @Override
    public void close() {
      if (loaded != null) {
        loaded.close();
      }
    }
  }

  /** A task's share of the suite's progress bar. */
  private static final class TaskContext implements JobContext {
    final JobContext ctx;
    final double base;
    final double span;
    final String task;

    TaskContext(JobContext ctx, double base, double span, String task) {
      this.ctx = ctx;
      this.base = base;
      this.span = span;
      this.task = task;
    }

    @Override
    public void progress(double fraction, String message) {
      ctx.progress(base + span * Math.max(0, fraction), task + ": " + message);
    }

    @Override
    public boolean isCancelled() {
      return ctx.isCancelled();
    }

    @Override
    public void checkCancelled() {
      if (ctx.isCancelled()) {
        throw new CancellationException("cancelled");
      }
    }
  }

  /** The model path a run's checkpoint is evaluated from (for callers holding only a path). */
  public static String ref(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }
}
