package ai.temper.engine.train;

import ai.temper.engine.Faults;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.Precision;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.models.MemoryEstimate;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.Sizes;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.MetricRepository.Metric;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a run, fresh or resumed: loads the base, encodes the data, restores the
 * last checkpoint if there is one, then steps: micro-batches under a gradient collector,
 * global-norm clipping, AdamW at the scheduled rate, metrics, held-out evaluation and
 * checkpoints. Every step's arrays live in a scope that closes with the step.
 *
 * <p>Repeatability: data order follows from (seed, epoch) and the step, libtorch's generator
 * (LoRA dropout) is reseeded from (seed, step) at each step, and checkpoints keep the exact
 * float32 weights and moments; so a resumed run computes the same losses as an uninterrupted
 * one.
 */
final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  static final String REFERENCE_FILE = "reference_logps.json";

  private final long runId;
  private final TrainConfig config;
  private final Path outputDir;
  private final Database db;
  private final ModelLibrary library;
  private final List<TrainListener> listeners;
  private final JobContext ctx;

  private BaseModel base;
  private TrainableModel model;
  private Objective objective;
  private AdamW optimizer;
  private Precision precision;
  /** fp16's dynamic loss scaling; null in fp32. */
  private LossScaler scaler;
  private StepPlan plan;
  private int step;
  private int savedStep = -1;
  private Path lastCheckpoint;

  Trainer(long runId, TrainConfig config, Path outputDir, Workbench workbench,
      List<TrainListener> listeners, JobContext ctx) {
    this.runId = runId;
    this.config = config;
    this.outputDir = outputDir;
    this.db = workbench.db();
    this.library = workbench.models();
    this.listeners = listeners;
    this.ctx = ctx;
  }

  /** Trains from {@code resumeFrom} (a checkpoint directory) or from the start when null. */
  TrainResult run(Path resumeFrom) {
    try (NoGrad ng = NoGrad.enter()) {
      try {
        return train(resumeFrom);
      } catch (CancellationException e) {
        if (model != null && optimizer != null && savedStep != step) {
          log("cancelled after step " + step + "; saving a checkpoint");
          save();
        }
        throw e;
      } finally {
        if (optimizer != null) {
          optimizer.close();
        }
        if (model != null) {
          model.close();
        }
        if (base != null) {
          base.close();
        }
      }
    }
  }

  private TrainResult train(Path resumeFrom) {
    int swept = CheckpointIO.sweepStaging(outputDir);
    if (swept > 0) {
      log("removed " + swept + " unfinished checkpoint folder" + (swept == 1 ? "" : "s")
          + " left by an interrupted run");
    }
    precision = Precision.forTraining(config.bf16(), config.fp16(), Devices.current());
    scaler = precision.scalesLoss() ? new LossScaler() : null;
    ctx.progress(-1, "loading " + (config.modelNameOrPath() == null ? "a new model"
        : config.modelNameOrPath()));
    base = BaseModel.load(config, library);
    base.model().setComputeType(precision.computeType());
    String bf16Note = Precision.bf16Note(config.bf16(), precision);
    if (bf16Note != null) {
      log(bf16Note);
    }
    model = new TrainableModel(base.model());
    base.model().setGradientCheckpointing(config.gradientCheckpointing());
    if (config.kind() == TrainKind.RM) {
      model.addScoreHead(config.seed(), 0.02, null);
    }
    if (config.useLora()) {
      model.addLora(config.loraTargetModules(), config.loraRank(), config.loraAlpha(),
          config.loraDropout(), config.seed());
    }
    if (config.useLora() && !config.gradientCheckpointing()) {
      checkpointIfTooBig(base, config, this::log);
    }
    ctx.checkCancelled();
    if (resumeFrom == null) {
      // a fresh start forgets what an earlier attempt without a checkpoint logged
      db.metrics().deleteAfter(runId, -1);
      db.checkpoints().deleteAfter(runId, -1);
    }
    ctx.progress(-1, "reading and tokenizing data");
    TrainingData.Split split = TrainingData.load(config, db);
    objective = encode(split, resumeFrom == null);
    if (objective instanceof PreferenceOptimization dpo) {
      references(dpo);
    }
    plan = StepPlan.of(objective.size(), config);
    LrSchedule schedule = LrSchedule.of(config, plan.totalSteps());
    if (resumeFrom != null) {
      restore(resumeFrom);
    }
    model.setTraining(true);
    optimizer = AdamW.of(model.trainable(), config);
    if (resumeFrom != null) {
      optimizer.load(resumeFrom.resolve(CheckpointIO.OPTIMIZER), step);
      savedStep = step;
      lastCheckpoint = resumeFrom;
    }
    db.metrics().deleteAfter(runId, step);
    db.checkpoints().deleteAfter(runId, step);
    int total = plan.totalSteps();
    log(trainableSummary() + "; " + total + " steps of " + config.batchSize() + " x "
        + config.gradientAccumulationSteps() + " items (" + plan.stepsPerEpoch()
        + " per epoch); on " + Devices.name(Devices.current()) + " in " + precision.id()
        + (precision == Precision.FP32 ? "" : " (float32 master weights and AdamW state"
            + (scaler != null ? ", dynamic loss scaling from " + scaler.scale() : "") + ")"));
    if (step == 0 && objective.evalSize() > 0) {
      evaluate();
    }
    while (step < total) {
      ctx.checkCancelled();
      step++;
      Map<String, Double> m = trainStep(schedule.at(step));
      if (step % config.loggingSteps() == 0 || step == total) {
        publish(m);
      }
      ctx.progress((double) step / total, String.format("step %d/%d, loss %.4f", step, total,
          m.get("loss")));
      if (objective.evalSize() > 0 && ((config.evalSteps() > 0 && step % config.evalSteps() == 0)
          || step == total)) {
        evaluate();
      }
      if ((config.saveSteps() > 0 && step % config.saveSteps() == 0) || step == total) {
        save();
      }
    }
    return new TrainResult(runId, step, total, lastCheckpoint);
  }

  private Objective encode(TrainingData.Split split, boolean fresh) {
    Encoder enc = new Encoder(base.tokenizer(), base.chat(), config.maxSeqLength(),
        config.maxPromptLength(), ctx);
    DataStats trainStats = new DataStats();
    DataStats evalStats = new DataStats();
    int pad = base.tokenizer().padId();
    Objective o = switch (config.kind()) {
      case PRETRAIN -> new LanguageModeling(model,
          enc.texts(split.train(), config.packing(), trainStats),
          enc.texts(split.eval(), config.packing(), evalStats), pad);
      case SFT -> new LanguageModeling(model,
          enc.conversations(split.train(), config.packing(), trainStats),
          enc.conversations(split.eval(), config.packing(), evalStats), pad);
      case DPO -> new PreferenceOptimization(model, enc.pairs(split.train(), trainStats),
          enc.pairs(split.eval(), evalStats), pad, config);
      case RM -> new RewardModeling(model, enc.pairs(split.train(), trainStats),
          enc.pairs(split.eval(), evalStats), pad, config);
      case GRPO, PPO -> throw new IllegalStateException("grpo and ppo runs train in RlTrainer");
    };
    log("training data: " + trainStats);
    log("held-out data: " + evalStats);
    logUnrenderable(trainStats);
    logUnrenderable(evalStats);
    if (o.size() == 0) {
      throw new TemperException(trainStats.unrenderable() == trainStats.examples()
          ? "The chat template cannot render any training example; the first: "
              + trainStats.unrenderableExamples().get(0)
          : "No training example has a token to train on after truncation to max_seq_length "
              + config.maxSeqLength());
    }
    if (trainStats.truncated() + evalStats.truncated() > 0) {
      LOG.warn("run {}: {} examples were truncated to max_seq_length {} and {} skipped",
          runId, trainStats.truncated() + evalStats.truncated(), config.maxSeqLength(),
          trainStats.skipped() + evalStats.skipped());
    }
    Map<String, Double> counts = new LinkedHashMap<>();
    counts.put("data/train_examples", (double) trainStats.kept());
    counts.put("data/eval_examples", (double) evalStats.kept());
    counts.put("data/truncated_examples",
        (double) (trainStats.truncated() + evalStats.truncated()));
    counts.put("data/skipped_examples", (double) (trainStats.skipped() + evalStats.skipped()));
    if (fresh) {
      record(0, counts);
    }
    return o;
  }

  /** One line per example the chat template could not render (the first few), never fatal. */
  private void logUnrenderable(DataStats stats) {
    for (String line : stats.unrenderableExamples()) {
      log("skipped " + line);
    }
    if (stats.unrenderable() > stats.unrenderableExamples().size()) {
      log("skipped " + (stats.unrenderable() - stats.unrenderableExamples().size())
          + " more examples the chat template cannot render");
    }
  }

  /** The DPO reference log-probs: read from the run's cache, else computed now and cached. */
  private void references(PreferenceOptimization dpo) {
    if (!dpo.needsReference()) {
      dpo.computeReferences(config.evalBatchSize(), ctx);
      return;
    }
    Path cache = outputDir.resolve(REFERENCE_FILE);
    if (Files.isRegularFile(cache)) {
      try {
        JsonNode n = CheckpointIO.JSON.readTree(Files.readString(cache));
        float[][] train = floats(n.get("train"));
        float[][] eval = floats(n.get("eval"));
        if (train.length == objective.size() && eval.length == objective.evalSize()) {
          dpo.setReferences(train, eval);
          log("reference log-probs read from " + cache);
          return;
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("run {}: ignoring unreadable {}: {}", runId, cache, e.toString());
      }
    }
    ctx.progress(-1, "computing reference log-probs");
    dpo.computeReferences(config.evalBatchSize(), ctx);
    float[][][] refs = dpo.references();
    ObjectNode n = CheckpointIO.JSON.createObjectNode();
    n.set("train", CheckpointIO.json(refs[0]));
    n.set("eval", CheckpointIO.json(refs[1]));
    try {
      Files.createDirectories(outputDir);
      Path tmp = cache.resolveSibling(REFERENCE_FILE + ".tmp");
      Files.writeString(tmp, CheckpointIO.JSON.writeValueAsString(n));
      Files.move(tmp, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new TemperException("Cannot write " + cache + ": " + e.getMessage(), e);
    }
    log("reference log-probs computed for " + refs[0].length + " + " + refs[1].length
        + " pairs; no reference model is kept in memory");
  }

  private static float[][] floats(JsonNode array) {
    float[][] out = new float[array.size()][];
    for (int i = 0; i < out.length; i++) {
      JsonNode row = array.get(i);
      out[i] = new float[] {(float) row.get(0).asDouble(), (float) row.get(1).asDouble()};
    }
    return out;
  }

  private void restore(Path dir) {
    ObjectNode state = CheckpointIO.readState(dir);
    step = state.get("global_step").asInt();
    int items = state.path("train_items").asInt(objective.size());
    if (items != objective.size()) {
      throw new TemperException("Cannot resume from " + dir + ": the training data changed ("
          + items + " training items then, " + objective.size() + " now), so the data order "
          + "would not continue where it stopped");
    }
    model.loadTrainable(CheckpointIO.trainableWeights(dir, model.hasLora()), dir.toString());
    if (scaler != null && state.has("loss_scale")) {
      scaler.restore(state.get("loss_scale").asDouble(), state.path("loss_scale_good_steps").asInt());
    }
    log("resuming from " + dir + " (step " + step + " of " + plan.totalSteps() + ")");
  }

  /** One optimizer step over its micro-batches; returns the step's metrics. */
  private Map<String, Double> trainStep(double lr) {
    // dropout and any other sampling draw from libtorch's generator, seeded per step
    JniUtils.setSeed(config.seed() * 1_000_003L + step);
    Map<String, Double> m = step(objective, optimizer, plan.microBatches(step), lr,
        config.maxGradNorm(), step, scaler);
    m.put("epoch", plan.epochProgress(step));
    if (m.getOrDefault("skipped_step", 0.0) > 0) {
      log("step " + step + ": fp16 gradients overflowed, update skipped; loss scale now "
          + scaler.scale());
    }
    return m;
  }

  static Map<String, Double> step(Objective objective, AdamW optimizer, List<int[]> micro,
      double lr, double maxGradNorm, int step) {
    return step(objective, optimizer, micro, lr, maxGradNorm, step, null);
  }

  /**
   * One optimizer step: each micro-batch's loss (divided by their number) back-propagated
   * inside its own scope and gradient collector, then global-norm clipping and AdamW. Returns
   * loss, the objective's metrics, learning_rate, grad_norm and tokens_per_s.
   *
   * <p>With a {@code scaler} (fp16) the loss is multiplied by its scale before backward and the
   * gradients divided by it while clipping; when they overflowed, the update is skipped (AdamW
   * takes no step, grad_norm is NaN, skipped_step 1) and the scale halves. Adds loss_scale.
   */
  static Map<String, Double> step(Objective objective, AdamW optimizer, List<int[]> micro,
      double lr, double maxGradNorm, int step, LossScaler scaler) {
    long start = System.nanoTime();
    double lossScale = scaler == null ? 1 : scaler.scale();
    MetricSums sums = new MetricSums();
    long tokens = 0;
    for (int[] items : micro) {
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = objective.loss(items, nd, sums);
        float value = loss.getFloat();
        if (!Float.isFinite(value)) {
          throw new TemperException("Loss became " + value + " at step " + step
              + ": lower learning_rate or check the data");
        }
        sums.add("loss", value);
        NDArray scaled = micro.size() == 1 ? loss : loss.div(Losses.scalar(loss, micro.size()));
        gc.backward(scaler == null ? scaled : scaled.mul(Losses.scalar(loss, lossScale)));
        LlamaModel.backwardCheckpointed(gc); // gradient_checkpointing: the layers' backward
      } finally {
        LlamaModel.clearCheckpointed();
      }
      tokens += objective.tokens(items);
    }
    double gradNorm = scaler == null ? optimizer.clipGradNorm(maxGradNorm)
        : optimizer.clipGradNorm(maxGradNorm, lossScale);
    boolean finite = Double.isFinite(gradNorm);
    if (scaler != null) {
      scaler.update(finite);
    } else if (!finite) {
      optimizer.zeroGrad();
      throw new TemperException("Gradients became non-finite at step " + step
          + ": lower learning_rate or check the data");
    }
    if (finite) {
      optimizer.step(lr);
    }
    optimizer.zeroGrad();
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Double> m = new LinkedHashMap<>();
    m.putAll(sums.means(""));
    m.remove("target_tokens");
    m.put("learning_rate", lr);
    m.put("grad_norm", gradNorm);
    m.put("tokens_per_s", tokens / seconds);
    if (scaler != null) {
      m.put("loss_scale", lossScale);
      m.put("skipped_step", finite ? 0.0 : 1.0);
    }
    return m;
  }

  private void evaluate() {
    model.setTraining(false);
    try {
      Map<String, Double> m = objective.evaluate(config.evalBatchSize());
      publish(m);
    } finally {
      model.setTraining(true);
    }
  }

  private void save() {
    ObjectNode state = CheckpointIO.JSON.createObjectNode();
    state.put("global_step", step);
    state.put("max_steps", plan.totalSteps());
    state.put("epoch", plan.epochProgress(step));
    state.put("run_id", runId);
    state.put("kind", config.kind().id());
    state.put("seed", config.seed());
    state.put("use_lora", config.useLora());
    state.put("data_order", "epoch e visits items in a Fisher-Yates permutation seeded by "
        + "seed * 1000003 + e; step k takes micro-batches (k - 1) % steps_per_epoch");
    state.put("rng", "libtorch's generator is seeded with seed * 1000003 + step before each step");
    state.put("train_items", objective.size());
    state.put("precision", precision.id());
    if (scaler != null) {
      state.put("loss_scale", scaler.scale());
      state.put("loss_scale_good_steps", scaler.goodSteps());
    }
    state.put("steps_per_epoch", plan.stepsPerEpoch());
    lastCheckpoint = CheckpointIO.save(outputDir, step, model, base, optimizer, state, config);
    savedStep = step;
    log("saved checkpoint " + lastCheckpoint);
    // the library lists causal LMs; a reward model is read back by RewardScorer
    SavedCheckpoints.record(db, library, runId, base.libraryId(), lastCheckpoint, step,
        model.score() == null, listeners);
  }

  private void publish(Map<String, Double> metrics) {
    record(step, metrics);
    for (TrainListener l : listeners) {
      l.onMetrics(runId, step, plan.totalSteps(), metrics);
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
    Faults.point("train.step");
  }

  private String trainableSummary() {
    long n = 0;
    for (NDArray a : model.trainable().values()) {
      n += a.getShape().size();
    }
    long all = model.config().parameterCount();
    return String.format("training %,d of %,d parameters%s", n, all + (model.score() != null
        ? model.config().hiddenSize() : 0), model.hasLora() ? " (LoRA adapters)" : "");
  }

  /**
   * Turns gradient_checkpointing on for a LoRA run on the CPU whose recorded activations would
   * not fit in the machine's memory (MemoryEstimate), and says so: the gradients are the same
   * (GradientCheckpointingTest), the step takes one more forward pass of the layers. Without
   * it, a default LoRA run of a 0.5B model at 4 x 512 would need about 25 GB.
   */
  static void checkpointIfTooBig(BaseModel base, TrainConfig config,
      java.util.function.Consumer<String> log) {
    long ram = Devices.physicalMemory();
    if (Devices.current().isGpu() || ram <= 0) {
      return;
    }
    MemoryEstimate need = MemoryEstimate.of(base.model().config(), base.storedDtype(),
        config.batchSize(), config.maxSeqLength());
    if (need.loraNeedsCheckpointing(ram)) {
      base.model().setGradientCheckpointing(true);
      log.accept(String.format(Locale.ROOT, "gradient_checkpointing turned on: without it LoRA"
          + " at %d x %d tokens would need about %s, more than %.0f%% of this machine's %s (with it"
          + " about %s; the gradients are the same, each step runs the layers' forward twice)",
          config.batchSize(), config.maxSeqLength(), Sizes.bytes(need.loraPlainBytes()),
          100 * MemoryEstimate.MEMORY_SHARE, Sizes.bytes(ram), Sizes.bytes(need.loraBytes())));
    }
  }

  private void log(String line) {
    LOG.info("run {}: {}", runId, line);
    for (TrainListener l : listeners) {
      l.onLog(runId, line);
    }
  }
}
