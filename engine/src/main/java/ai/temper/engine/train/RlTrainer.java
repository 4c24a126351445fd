package ai.temper.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.generate.FinishReason;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.generate.TokenListener;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.hf.SafetensorsFile;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RolloutRepository.Rollout;
import ai.temper.engine.store.RolloutRepository;
import ai.temper.engine.tokenizer.Tokenizer;
import ai.temper.engine.verify.InvalidGroundTruthException;
import ai.temper.engine.verify.Verification;
import ai.temper.engine.verify.Verifiers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a GRPO or PPO run, fresh or resumed. A step: sample
 * {@code num_samples_per_prompt_rollout} completions for each of
 * {@code num_unique_prompts_rollout} prompts with the engine's batched generation; reward them
 * ({@code verification_reward} x the row's verifier score, plus a reward model's score, or
 * {@code non_stop_penalty_value} without EOS); compute advantages (GRPO: group-normalised, groups
 * of equal rewards dropped; PPO: GAE on per-token rewards -beta KL_t plus the score at the last
 * token, whitened); store every rollout; then {@code num_epochs} passes of
 * {@code num_mini_batches} AdamW steps of the clipped policy loss (plus beta KL to the frozen
 * reference for GRPO, plus vf_coef x the clipped value loss for PPO).
 *
 * <p>Repeatability: prompts follow a permutation seeded by (seed, epoch), sampling is seeded by
 * (seed, step), and checkpoints keep weights and moments; a resumed run samples and computes
 * what an uninterrupted one does.
 */
final class RlTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(RlTrainer.class);
  private static final String VALUE_PREFIX = "value.";

  private final long runId;
  private final TrainConfig config;
  private final RlSettings rl;
  private final boolean ppo;
  private final Path outputDir;
  private final Database db;
  private final ModelLibrary library;
  private final List<TrainListener> listeners;
  private final JobContext ctx;
  private final RolloutRepository rollouts;

  private BaseModel base;
  private BaseModel referenceBase;
  private TrainableModel model;
  private TrainableModel value;
  private RewardScorer rewardModel;
  private Generator generator;
  private AdamW optimizer;
  private List<Prompt> trainPrompts;
  private List<Prompt> evalPrompts;
  private int step;
  private int totalSteps;
  private int savedStep = -1;
  private int finishedStep;
  private boolean updating;
  private Path lastCheckpoint;

  /** One prompt of the run's data, encoded with the chat template's generation prompt. */
  record Prompt(int index, List<ChatMessage> messages, String text, int[] ids, String verifier,
      String groundTruth) {}

  /** One sampled completion and what the step computes for it. */
  static final class Sample {
    final Prompt prompt;
    final int sampleIdx;
    final int[] completion;
    final String text;
    final FinishReason finish;
    double reward;
    Verification verification;
    Double rmScore;
    double advantage;
    boolean kept = true;
    float[] oldLogp;
    float[] refLogp;
    float[] values;
    double[] tokenAdvantages;
    double[] returns;

    Sample(Prompt prompt, int sampleIdx, Generation g) {
      this.prompt = prompt;
      this.sampleIdx = sampleIdx;
      this.completion = g.completionIds();
      this.text = g.completion();
      this.finish = g.finishReason();
    }

    TokenSequence sequence() {
      int p = prompt.ids().length;
      int[] ids = new int[p + completion.length];
      System.arraycopy(prompt.ids(), 0, ids, 0, p);
      System.arraycopy(completion, 0, ids, p, completion.length);
      boolean[] trained = new boolean[ids.length];
      java.util.Arrays.fill(trained, p, ids.length, true);
      return new TokenSequence(ids, trained);
    }
  }

  RlTrainer(long runId, TrainConfig config, Path outputDir, Workbench workbench,
      List<TrainListener> listeners, JobContext ctx) {
    this.runId = runId;
    this.config = config;
    this.rl = config.rl();
    this.ppo = config.kind() == TrainKind.PPO;
    this.outputDir = outputDir;
    this.db = workbench.db();
    this.library = workbench.models();
    this.listeners = listeners;
    this.ctx = ctx;
    this.rollouts = new RolloutRepository(db.sql());
  }

  TrainResult run(Path resumeFrom) {
    try (NoGrad ng = NoGrad.enter()) {
      try {
        return train(resumeFrom);
      } catch (CancellationException e) {
        // a step cancelled before its first update leaves the weights of the step before
        if (model != null && optimizer != null && !updating && finishedStep > savedStep) {
          step = finishedStep;
          log("cancelled; saving a checkpoint of step " + step);
          save();
        }
        throw e;
      } finally {
        for (AutoCloseable c : new AutoCloseable[] {optimizer, value, rewardModel, referenceBase,
            model, base}) {
          if (c != null) {
            try {
              c.close();
            } catch (Exception ignored) {
              // closing native memory does not fail in practice
            }
          }
        }
      }
    }
  }

  private TrainResult train(Path resumeFrom) {
    ctx.progress(-1, "loading " + config.modelNameOrPath());
    base = BaseModel.load(config, library);
    model = new TrainableModel(base.model());
    if (config.useLora()) {
      model.addLora(config.loraTargetModules(), config.loraRank(), config.loraAlpha(),
          config.loraDropout(), config.seed());
    }
    base.model().setGradientCheckpointing(config.gradientCheckpointing());
    if (config.useLora() && !config.gradientCheckpointing()) {
      Trainer.checkpointIfTooBig(base, config, this::log);
    }
    if (resumeFrom == null) {
      db.metrics().deleteAfter(runId, -1);
      db.checkpoints().deleteAfter(runId, -1);
      rollouts.deleteAfter(runId, -1);
    }
    if (rl.rewardModelPath() != null) {
      ctx.progress(-1, "loading the reward model");
      rewardModel = RewardScorer.load(Path.of(rl.rewardModelPath()));
      reportRewardModel(Path.of(rl.rewardModelPath()), resumeFrom == null);
    }
    ctx.progress(-1, "reading prompts");
    TrainingData.Split split = TrainingData.load(config, db);
    trainPrompts = prompts(split.train(), "training");
    evalPrompts = prompts(split.eval(), "held-out");
    if (trainPrompts.isEmpty()) {
      throw new TemperException("No training prompt fits: every prompt plus response_length "
          + rl.responseLength() + " exceeds max_seq_length " + config.maxSeqLength()
          + " or the model's positions");
    }
    if (config.beta() > 0) {
      ctx.progress(-1, "loading the reference model");
      referenceBase = BaseModel.load(config, library);
    }
    if (ppo) {
      value = valueModel();
      // the value model is trained whole: its layers recomputed as the policy's are
      value.model().setGradientCheckpointing(model.model().gradientCheckpointing());
    }
    if (config.gradientCheckpointing()) {
      log("gradient_checkpointing: the policy's " + (ppo ? "and the value model's " : "")
          + "layers keep only their inputs and are recomputed in the backward pass");
    }
    generator = new Generator(model.model(), base.tokenizer()).maxBatch(
        Math.max(1, rl.rolloutSize()));
    totalSteps = config.maxTrainSteps() != null ? config.maxTrainSteps()
        : Math.max(1, (int) Math.ceil((double) config.numTrainEpochs() * trainPrompts.size()
            / rl.numUniquePromptsRollout()));
    int updatesPerStep = rl.numEpochs() * rl.numMiniBatches();
    LrSchedule schedule = LrSchedule.of(config, totalSteps * updatesPerStep);
    if (resumeFrom != null) {
      restore(resumeFrom);
    }
    model.setTraining(true);
    if (value != null) {
      value.setTraining(true);
    }
    optimizer = AdamW.of(trainable(), config);
    if (resumeFrom != null) {
      optimizer.load(resumeFrom.resolve(CheckpointIO.OPTIMIZER), (long) step * updatesPerStep);
      savedStep = step;
      lastCheckpoint = resumeFrom;
    }
    finishedStep = step;
    db.metrics().deleteAfter(runId, step);
    db.checkpoints().deleteAfter(runId, step);
    rollouts.deleteAfter(runId, step);
    log(String.format("%s: %d steps of %d prompts x %d samples (%d training prompts, %d "
        + "held out); %d optimizer steps per rollout batch", config.kind().id(), totalSteps,
        rl.numUniquePromptsRollout(), rl.numSamplesPerPromptRollout(), trainPrompts.size(),
        evalPrompts.size(), updatesPerStep));
    if (step == 0 && !evalPrompts.isEmpty()) {
      publish(evaluate());
    }
    while (step < totalSteps) {
      ctx.checkCancelled();
      step++;
      Map<String, Double> m = rlStep(schedule, updatesPerStep);
      finishedStep = step;
      if (step % config.loggingSteps() == 0 || step == totalSteps) {
        publish(m);
      }
      ctx.progress((double) step / totalSteps, String.format("step %d/%d, reward %.3f, pass "
          + "rate %.2f", step, totalSteps, m.get("reward"), m.getOrDefault("pass_rate", 0.0)));
      if (!evalPrompts.isEmpty() && ((config.evalSteps() > 0 && step % config.evalSteps() == 0)
          || step == totalSteps)) {
        publish(evaluate());
      }
      if ((config.saveSteps() > 0 && step % config.saveSteps() == 0) || step == totalSteps) {
        save();
      }
    }
    return new TrainResult(runId, step, totalSteps, lastCheckpoint);
  }

  // ------------------------------------------------------------------ data

  private List<Prompt> prompts(List<JsonNode> rows, String which) {
    List<Prompt> out = new ArrayList<>();
    int tooLong = 0;
    int unverifiable = 0;
    int limit = Math.min(config.maxSeqLength(), model.config().maxPositionEmbeddings());
    for (int i = 0; i < rows.size(); i++) {
      JsonNode row = rows.get(i);
      List<ChatMessage> messages = new ArrayList<>();
      for (JsonNode m : row.path("messages")) {
        messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
      }
      String verifier = row.hasNonNull("verifier") ? row.get("verifier").asText() : null;
      String truth = row.hasNonNull("ground_truth") ? row.get("ground_truth").asText() : null;
      if (rl.applyVerifiableReward()) {
        if (verifier == null || truth == null) {
          unverifiable++;
        } else {
          try {
            Verifiers.validate(verifier, truth);
          } catch (InvalidGroundTruthException e) {
            throw new TemperException("dataset_mixer_list: " + which + " example " + (i + 1)
                + ": " + e.getMessage());
          }
        }
      }
      if (messages.isEmpty()) {
        continue;
      }
      int[] ids = base.chat().encodePrompt(messages);
      if (ids.length + rl.responseLength() > limit) {
        tooLong++;
        continue;
      }
      out.add(new Prompt(out.size(), List.copyOf(messages), messages.get(messages.size() - 1)
          .content(), ids, verifier, truth));
    }
    if (rl.applyVerifiableReward() && rewardModel == null && !rows.isEmpty()
        && unverifiable == rows.size()) {
      throw new TemperException("No RLVR rows: no " + which + " example of dataset_mixer_list "
          + "names a verifier ('dataset' or 'verifier') and a ground_truth; add them or give "
          + "reward_model_path");
    }
    if (unverifiable > 0) {
      log(unverifiable + " " + which + " prompts name no verifier: their verifier reward is 0");
    }
    if (tooLong > 0) {
      log(tooLong + " " + which + " prompts skipped: prompt + response_length exceeds "
          + limit + " tokens");
    }
    return out;
  }

  /** The prompts of step {@code s}: a seeded permutation per pass over the training prompts. */
  private List<Prompt> promptsOf(int s) {
    int n = trainPrompts.size();
    List<Prompt> out = new ArrayList<>();
    for (int j = 0; j < rl.numUniquePromptsRollout(); j++) {
      long g = (long) (s - 1) * rl.numUniquePromptsRollout() + j;
      int epoch = (int) (g / n);
      out.add(trainPrompts.get(order(epoch, n)[(int) (g % n)]));
    }
    return out;
  }

  private final Map<Integer, int[]> orders = new LinkedHashMap<>();

  private int[] order(int epoch, int n) {
    return orders.computeIfAbsent(epoch, e -> {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        idx.add(i);
      }
      Collections.shuffle(idx, new Random(config.seed() * 1_000_003L + e));
      return idx.stream().mapToInt(Integer::intValue).toArray();
    });
  }

  // ------------------------------------------------------------------ models

  private TrainableModel valueModel() {
    String path = rl.valueModelPath() != null ? rl.valueModelPath() : rl.rewardModelPath();
    TrainableModel v;
    if (path != null) {
      v = RewardScorer.loadModel(Path.of(path));
      log("value model initialised from the reward model " + path);
    } else {
      BaseModel copy = BaseModel.load(config, library);
      v = new TrainableModel(copy.model());
      v.addScoreHead(config.seed(), 0.0, null);
      log("value model initialised from the policy's base with a zero head (no reward model)");
    }
    if (v.config().vocabSize() != model.config().vocabSize()) {
      v.close();
      throw new TemperException("value model " + path + " has a vocabulary of "
          + v.config().vocabSize() + " tokens, the policy " + model.config().vocabSize()
          + ": the value head must read the policy's tokens");
    }
    return v;
  }

  private Map<String, NDArray> trainable() {
    Map<String, NDArray> all = new LinkedHashMap<>(model.trainable());
    if (value != null) {
      value.trainable().forEach((k, a) -> all.put(VALUE_PREFIX + k, a));
    }
    return all;
  }

  /** Logs the reward model's held-out accuracy from the run that trained it, when known. */
  private void reportRewardModel(Path dir, boolean fresh) {
    String line = "reward model " + dir + ": held-out accuracy unknown (not trained by a run of "
        + "this workbench)";
    Double accuracy = null;
    try {
      if (Files.isRegularFile(dir.resolve(CheckpointIO.STATE))) {
        long rmRun = CheckpointIO.readState(dir).path("run_id").asLong(-1);
        List<Metric> acc = db.metrics().series(rmRun, "eval_accuracy");
        if (!acc.isEmpty()) {
          Metric last = acc.get(acc.size() - 1);
          accuracy = last.value();
          line = String.format("reward model %s: held-out accuracy %.3f (run %d, step %d)%s",
              dir, accuracy, rmRun, last.step(), accuracy < 0.6
                  ? " -- weak: PPO against a weak reward model mostly learns its mistakes" : "");
        }
      }
    } catch (RuntimeException e) {
      LOG.debug("no reward model accuracy", e);
    }
    log(line);
    if (accuracy != null && fresh) {
      record(0, Map.of("rm/eval_accuracy", accuracy));
    }
  }

  private void restore(Path dir) {
    ObjectNode state = CheckpointIO.readState(dir);
    step = state.get("global_step").asInt();
    model.loadTrainable(CheckpointIO.trainableWeights(dir, model.hasLora()), dir.toString());
    if (value != null) {
      Path v = dir.resolve(CheckpointIO.VALUE_WEIGHTS);
      if (!Files.isRegularFile(v)) {
        throw new TemperException("Cannot resume from " + dir + ": no " + v.getFileName());
      }
      value.loadTrainable(SafetensorsFile.readAll(v), v.toString());
    }
    log("resuming from " + dir + " (step " + step + " of " + totalSteps + ")");
  }

  // ------------------------------------------------------------------ one step

  private Map<String, Double> rlStep(LrSchedule schedule, int updatesPerStep) {
    JniUtils.setSeed(config.seed() * 1_000_003L + step);
    Map<String, Double> m = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    long c0 = processCpuNanos();
    List<Sample> samples = rollout(promptsOf(step), rl.numSamplesPerPromptRollout(),
        config.seed() * 1_000_003L + step);
    long t1 = System.nanoTime();
    long generationCpu = processCpuNanos() - c0;
    ctx.checkCancelled();
    MetricSums sums = new MetricSums();
    score(samples, sums);
    long t2 = System.nanoTime();
    List<Sample> train = advantages(samples, m);
    store(samples);
    MetricSums trainSums = new MetricSums();
    double lastGradNorm = 0;
    double lr = 0;
    int update = (step - 1) * updatesPerStep;
    if (!train.isEmpty()) {
      List<List<Sample>> minis = split(train, rl.numMiniBatches());
      for (int epoch = 0; epoch < rl.numEpochs(); epoch++) {
        for (List<Sample> mini : minis) {
          ctx.checkCancelled();
          update++;
          lr = schedule.at(update);
          updating = true;
          lastGradNorm = update(mini, lr, trainSums);
        }
      }
    }
    updating = false;
    model.model().refreshInference();
    long t3 = System.nanoTime();
    m.putAll(sums.means(""));
    m.putAll(trainSums.means(""));
    m.put("learning_rate", lr);
    m.put("grad_norm", lastGradNorm);
    long tokens = 0;
    for (Sample s : samples) {
      tokens += s.completion.length;
    }
    m.put("rollout_tokens_per_s", tokens / Math.max(1e-9, (t1 - t0) / 1e9));
    if (generationCpu > 0) {
      // CPU time of the whole process: on a shared machine it moves less than wall time
      m.put("rollout_tokens_per_cpu_s", tokens / (generationCpu / 1e9));
    }
    m.put("time/generation", (t1 - t0) / 1e9);
    m.put("time/scoring", (t2 - t1) / 1e9);
    m.put("time/training", (t3 - t2) / 1e9);
    m.put("epoch", (double) step * rl.numUniquePromptsRollout() / trainPrompts.size());
    return m;
  }

  private static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime() : 0;
  }

  /** Samples {@code perPrompt} completions of each prompt (consecutive rows per prompt). */
  private List<Sample> rollout(List<Prompt> prompts, int perPrompt, long seed) {
    List<int[]> ids = new ArrayList<>();
    for (Prompt p : prompts) {
      for (int k = 0; k < perPrompt; k++) {
        ids.add(p.ids());
      }
    }
    SamplingParams params = SamplingParams.defaults().withTemperature(rl.temperature())
        .withMaxNewTokens(rl.responseLength()).withStopStrings(rl.stopStrings()).withSeed(seed);
    model.setTraining(false);
    if (value != null) {
      value.setTraining(false);
    }
    List<Generation> gens;
    try {
      gens = generator.generateIds(ids, params, TokenListener.NONE);
    } finally {
      model.setTraining(true);
      if (value != null) {
        value.setTraining(true);
      }
    }
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < gens.size(); i++) {
      out.add(new Sample(prompts.get(i / perPrompt), i % perPrompt, gens.get(i)));
    }
    return out;
  }

  /** Rewards: verifier x verification_reward, plus the reward model, or the no-EOS penalty. */
  private void score(List<Sample> samples, MetricSums sums) {
    float[] rm = null;
    if (rewardModel != null) {
      List<List<ChatMessage>> convs = new ArrayList<>();
      for (Sample s : samples) {
        List<ChatMessage> c = new ArrayList<>(s.prompt.messages());
        c.add(ChatMessage.assistant(s.text));
        convs.add(c);
      }
      rm = rewardModel.score(convs);
    }
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      double r = 0;
      if (rl.applyVerifiableReward() && s.prompt.verifier() != null
          && s.prompt.groundTruth() != null) {
        s.verification = Verifiers.verify(s.prompt.verifier(), s.prompt.groundTruth(), s.text);
        r += rl.verificationReward() * s.verification.score();
        sums.add("pass_rate", s.verification.passed() ? 1 : 0);
        sums.add("verifier_score", s.verification.score());
      }
      if (rm != null) {
        s.rmScore = (double) rm[i];
        r += rm[i];
        sums.add("rm_score", rm[i]);
      }
      boolean stopped = s.finish != FinishReason.LENGTH;
      if (rl.nonStopPenalty() && !stopped) {
        r = rl.nonStopPenaltyValue();
      }
      s.reward = r;
      sums.add("reward", r);
      sums.add("response_length", s.completion.length);
      sums.add("stop_rate", stopped ? 1 : 0);
    }
  }

  /**
   * Log-probs under the rollout policy and the reference, values (PPO), and advantages;
   * returns the samples that train (GRPO drops zero-variance groups; empty completions never
   * train).
   */
  private List<Sample> advantages(List<Sample> samples, Map<String, Double> m) {
    List<Sample> train = new ArrayList<>();
    if (!ppo) {
      double[] rewards = samples.stream().mapToDouble(s -> s.reward).toArray();
      RlMath.GroupAdvantages g = RlMath.groupAdvantages(rewards,
          rl.numSamplesPerPromptRollout(), "standard".equals(rl.advantageNormalizationType()));
      for (int i = 0; i < samples.size(); i++) {
        samples.get(i).advantage = g.advantages()[i];
        samples.get(i).kept = g.kept()[i];
      }
      m.put("dropped_groups", (double) g.droppedGroups());
      m.put("dropped_group_fraction", (double) g.droppedGroups() / g.groups());
    }
    for (Sample s : samples) {
      if (s.kept && s.completion.length > 0) {
        train.add(s);
      }
    }
    // old (rollout-policy) and reference log-probs, in the micro-batches training will use
    MetricSums klSums = new MetricSums();
    RlForward.Head head = RlForward.head(model.model());
    for (List<Sample> mini : split(train, rl.numMiniBatches())) {
      for (List<Sample> micro : micro(mini)) {
        try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager()) {
          Batch b = batch(nd, micro);
          float[] old = RlForward.logProbs(model.model(), b, nd, false, head)[0].toFloatArray();
          float[] ref = referenceBase == null ? null
              : RlForward.logProbs(referenceBase.model(), b, nd, false, head)[0].toFloatArray();
          float[] vals = value == null ? null : RlForward.values(value, b, nd).toFloatArray();
          int at = 0;
          for (Sample s : micro) {
            int n = s.completion.length;
            s.oldLogp = java.util.Arrays.copyOfRange(old, at, at + n);
            s.refLogp = ref == null ? null : java.util.Arrays.copyOfRange(ref, at, at + n);
            s.values = vals == null ? null : java.util.Arrays.copyOfRange(vals, at, at + n);
            at += n;
            if (ref != null) {
              double klSeq = 0;
              for (int t = 0; t < n; t++) {
                klSeq += s.oldLogp[t] - s.refLogp[t];
              }
              klSums.add("kl_per_sequence", klSeq);
            }
          }
        }
      }
    }
    m.putAll(klSums.means(""));
    if (ppo) {
      ppoAdvantages(train, m);
    } else {
      for (Sample s : train) {
        s.tokenAdvantages = new double[s.completion.length];
        java.util.Arrays.fill(s.tokenAdvantages, s.advantage);
      }
    }
    return train;
  }

  /** PPO: per-token rewards -beta KL_t plus the score at the last token; GAE; whitening. */
  private void ppoAdvantages(List<Sample> train, Map<String, Double> m) {
    double[][] adv = new double[train.size()][];
    MetricSums sums = new MetricSums();
    for (int i = 0; i < train.size(); i++) {
      Sample s = train.get(i);
      int n = s.completion.length;
      double[] rewards = new double[n];
      double[] values = new double[n];
      for (int t = 0; t < n; t++) {
        double kl = s.refLogp == null ? 0 : RlMath.kl("kl1", s.oldLogp[t], s.refLogp[t], 1);
        rewards[t] = -config.beta() * kl;
        values[t] = s.values[t];
        sums.add("non_score_reward", rewards[t]);
      }
      rewards[n - 1] += s.reward;
      double[][] gae = RlMath.gae(rewards, values, rl.gamma(), rl.lam());
      adv[i] = gae[0];
      s.returns = gae[1];
      double mean = 0;
      for (double v : values) {
        mean += v;
      }
      sums.add("value", mean / n);
    }
    RlMath.whiten(adv);
    for (int i = 0; i < train.size(); i++) {
      Sample s = train.get(i);
      s.tokenAdvantages = adv[i];
      double mean = 0;
      for (double a : adv[i]) {
        mean += a;
      }
      s.advantage = mean / adv[i].length;
    }
    m.putAll(sums.means(""));
  }

  /** One optimizer step on a mini-batch; returns the gradient norm. */
  private double update(List<Sample> mini, double lr, MetricSums sums) {
    long tokens = 0;
    for (Sample s : mini) {
      tokens += s.completion.length;
    }
    RlForward.Head head = RlForward.head(model.model());
    for (List<Sample> micro : micro(mini)) {
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        Batch b = batch(nd, micro);
        // the entropy is a metric: computed outside autograd, it only enters sums below
        NDArray[] lp = RlForward.logProbs(model.model(), b, nd, true, head);
        int n = b.targetPositions().length;
        float[] old = new float[n];
        float[] ref = referenceBase == null ? null : new float[n];
        float[] adv = new float[n];
        float[] ret = ppo ? new float[n] : null;
        float[] oldV = ppo ? new float[n] : null;
        int at = 0;
        for (Sample s : micro) {
          for (int t = 0; t < s.completion.length; t++, at++) {
            old[at] = s.oldLogp[t];
            adv[at] = (float) s.tokenAdvantages[t];
            if (ref != null) {
              ref[at] = s.refLogp[t];
            }
            if (ppo) {
              ret[at] = (float) s.returns[t];
              oldV[at] = s.values[t];
            }
          }
        }
        // GRPO adds beta KL to the loss; PPO has it in the rewards already
        RlMath.TokenLoss tl = RlMath.tokenLoss(lp[0], nd.create(old),
            ref == null ? null : nd.create(ref), nd.create(adv), rl.clipLower(), rl.clipHigher(),
            ppo ? 0 : config.beta(), rl.klEstimator());
        NDArray total = tl.loss().sum().div(Losses.scalar(lp[0], tokens));
        float pg = total.getFloat();
        if (ppo) {
          NDArray v = RlForward.values(value, b, nd);
          RlMath.ValueLoss vl = RlMath.valueLoss(v, nd.create(oldV), nd.create(ret),
              rl.cliprangeValue());
          NDArray vf = vl.loss().sum().div(Losses.scalar(v, tokens));
          sums.add("vf_loss", (double) vf.getFloat() * tokens / n, n);
          sums.add("vf_clip_fraction", vl.clipped().sum().getFloat() / n, n);
          total = total.add(vf.mul(Losses.scalar(vf, rl.vfCoef())));
        }
        float value = total.getFloat();
        if (!Float.isFinite(value)) {
          throw new TemperException("Loss became " + value + " at step " + step
              + ": lower learning_rate or check the rewards");
        }
        gc.backward(total);
        // the streamed head's and checkpointed layers' backward (policy and value model)
        LlamaModel.backwardCheckpointed(gc);
        // metrics (token means over the mini-batch, weighted by tokens)
        float[] ratio = tl.ratio().toFloatArray();
        float[] now = lp[0].toFloatArray();
        double approx = 0;
        double ratioSum = 0;
        for (int k = 0; k < n; k++) {
          approx += 0.5 * (now[k] - old[k]) * (now[k] - old[k]);
          ratioSum += ratio[k];
        }
        sums.add("loss", (double) value * tokens / n, n);
        sums.add("pg_loss", (double) pg * tokens / n, n);
        sums.add("clip_fraction", tl.clipped().sum().getFloat() / n, n);
        sums.add("ratio", ratioSum / n, n);
        sums.add("policy_kl", approx / n, n);
        sums.add("entropy", lp[1].sum().getFloat() / n, n);
        if (tl.kl() != null) {
          sums.add("kl", tl.kl().sum().getFloat() / n, n);
        }
      } finally {
        LlamaModel.clearCheckpointed();
      }
    }
    double norm = optimizer.clipGradNorm(config.maxGradNorm());
    optimizer.step(lr);
    optimizer.zeroGrad();
    return norm;
  }

  private Batch batch(NDManager nd, List<Sample> samples) {
    List<TokenSequence> seqs = new ArrayList<>();
    for (Sample s : samples) {
      seqs.add(s.sequence());
    }
    return Batch.of(nd, seqs, base.tokenizer().padId());
  }

  /** Contiguous mini-batches (at most {@code parts}, none empty). */
  static <T> List<List<T>> split(List<T> all, int parts) {
    List<List<T>> out = new ArrayList<>();
    int n = all.size();
    int p = Math.max(1, Math.min(parts, n));
    for (int i = 0; i < p; i++) {
      int from = (int) ((long) i * n / p);
      int to = (int) ((long) (i + 1) * n / p);
      if (to > from) {
        out.add(all.subList(from, to));
      }
    }
    return out;
  }

  private List<List<Sample>> micro(List<Sample> mini) {
    List<List<Sample>> out = new ArrayList<>();
    for (int from = 0; from < mini.size(); from += config.batchSize()) {
      out.add(mini.subList(from, Math.min(mini.size(), from + config.batchSize())));
    }
    return out;
  }

  // ------------------------------------------------------------------ storage, evaluation

  private void store(List<Sample> samples) {
    Tokenizer tok = base.tokenizer();
    List<Rollout> rows = new ArrayList<>();
    for (Sample s : samples) {
      ObjectNode detail = CheckpointIO.JSON.createObjectNode();
      ArrayNode pieces = detail.putArray("tokens");
      Tokenizer.StreamDecoder dec = tok.newStreamDecoder();
      for (int id : s.prompt.ids()) {
        dec.push(id);
      }
      for (int id : s.completion) {
        pieces.add(dec.push(id));
      }
      ArrayNode adv = detail.putArray("advantages");
      ArrayNode ratio = detail.putArray("log_ratios");
      for (int t = 0; t < s.completion.length; t++) {
        adv.add(s.tokenAdvantages == null ? 0 : round(s.tokenAdvantages[t]));
        ratio.add(s.refLogp == null ? 0 : round(s.oldLogp[t] - s.refLogp[t]));
      }
      rows.add(new Rollout(0, runId, step, s.prompt.index(), s.sampleIdx, s.prompt.text(),
          s.text, s.reward, s.verification == null ? null : s.verification.score(),
          s.verification == null ? null : s.verification.verdict(),
          s.prompt.verifier(), s.kept ? s.advantage : null, s.finish.name(),
          s.completion.length, detail.toString()));
    }
    rollouts.add(rows);
    for (TrainListener l : listeners) {
      l.onRollouts(runId, step, rows.size());
    }
  }

  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }

  /**
   * Held-out metrics: num_samples_per_prompt_rollout completions of every held-out prompt at
   * the rollout temperature with a fixed seed; pass rate, reward, reward-model score, length.
   */
  private Map<String, Double> evaluate() {
    ctx.progress(-1, "evaluating on " + evalPrompts.size() + " held-out prompts");
    MetricSums sums = new MetricSums();
    int chunk = Math.max(1, rl.numUniquePromptsRollout());
    for (int from = 0; from < evalPrompts.size(); from += chunk) {
      List<Prompt> part = evalPrompts.subList(from, Math.min(evalPrompts.size(), from + chunk));
      List<Sample> samples = rollout(part, rl.numSamplesPerPromptRollout(),
          config.seed() * 7_919L + 13 + from);
      score(samples, sums);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    sums.means("eval_").forEach((k, v) -> {
      if (!k.equals("eval_stop_rate")) {
        out.put(k, v);
      }
    });
    return out;
  }

  private void save() {
    ObjectNode state = CheckpointIO.JSON.createObjectNode();
    state.put("global_step", step);
    state.put("max_steps", totalSteps);
    state.put("run_id", runId);
    state.put("kind", config.kind().id());
    state.put("seed", config.seed());
    state.put("use_lora", config.useLora());
    state.put("data_order", "pass e over the training prompts follows a permutation seeded by "
        + "seed * 1000003 + e; step k takes num_unique_prompts_rollout prompts from "
        + "(k - 1) * num_unique_prompts_rollout on");
    state.put("rng", "rollouts of step k are sampled with seed * 1000003 + k");
    lastCheckpoint = CheckpointIO.save(outputDir, step, model, base, optimizer, state, config,
        value == null ? null : value.trainableTensors());
    savedStep = step;
    log("saved checkpoint " + lastCheckpoint);
    SavedCheckpoints.record(db, library, runId, base.libraryId(), lastCheckpoint, step, true,
        listeners);
  }

  private void publish(Map<String, Double> metrics) {
    record(step, metrics);
    for (TrainListener l : listeners) {
      l.onMetrics(runId, step, totalSteps, metrics);
    }
  }

  private void record(int atStep, Map<String, Double> metrics) {
    List<Metric> rows = new ArrayList<>();
    metrics.forEach((k, v) -> {
      if (v != null && Double.isFinite(v)) {
        rows.add(new Metric(runId, atStep, k, v));
      }
    });
    db.metrics().log(rows);
  }

  private void log(String line) {
    LOG.info("run {}: {}", runId, line);
    for (TrainListener l : listeners) {
      l.onLog(runId, line);
    }
  }
}
