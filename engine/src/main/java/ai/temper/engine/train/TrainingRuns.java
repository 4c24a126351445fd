package ai.temper.engine.train;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.store.CheckpointRepository.CheckpointRow;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RolloutRepository.Rollout;
import ai.temper.engine.store.RolloutRepository;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Training runs of one workbench, for the GUI and the command line alike: {@link #create} a
 * run (a database row holding its YAML), then {@link #run} or {@link #submit} it. Running a
 * run that has checkpoints resumes from the last one, so the same call continues after a
 * crash or a cancel. Listeners hear metrics, checkpoints and log lines of every run.
 */
public final class TrainingRuns {
  /** libtorch's gradient recording is one per process: one run trains at a time. */
  private static final ReentrantLock ACTIVE = new ReentrantLock();

  /**
   * Listeners one run gets for its own config, beside the shared ones: the workbench adds
   * the evaluation of each saved checkpoint when the config names an eval_suite (evaluation
   * sits above training, so it is handed in rather than called from here).
   */
  @FunctionalInterface
  public interface RunHooks {
    List<TrainListener> listenersFor(TrainConfig config, JobContext ctx);
  }

  private final Workbench workbench;
  private final RunHooks hooks;
  private final List<TrainListener> listeners = new CopyOnWriteArrayList<>();

  /** Made by {@link Workbench#runs()}, which every caller uses. */
  public TrainingRuns(Workbench workbench, RunHooks hooks) {
    this.workbench = workbench;
    this.hooks = hooks;
  }

  public void addListener(TrainListener l) {
    listeners.add(l);
  }

  public void removeListener(TrainListener l) {
    listeners.remove(l);
  }

  /**
   * Records a new run (status CREATED) with its config; relative file paths in the config
   * were resolved by the caller. Its output dir is output_dir or home/checkpoints/run-ID.
   */
  public long create(TrainConfig config) {
    check(config);
    String name = config.runName() != null ? config.runName()
        : config.kind().id() + " " + shortName(config.modelNameOrPath());
    long id = workbench.db().runs().create(config.kind().id(), name, config.toYaml(),
        config.modelNameOrPath() == null ? "new " + config.modelSize()
            : config.modelNameOrPath(),
        config.datasetMixerList().sources(), null);
    Path out = config.outputDir() != null ? Path.of(config.outputDir()).toAbsolutePath()
        : workbench.checkpointsDir().resolve("run-" + id);
    workbench.db().runs().setOutputDir(id, out.toString());
    return id;
  }

  /**
   * Everything about {@code config} that can be known before training: field ranges, the base
   * model (a file, folder or library entry) and its tokenizer, the datasets (present, of the
   * algorithm's kind, large enough for a count). {@link #create} calls it first, so a config
   * error is one message and no run; the GUI calls it to say what is wrong before Start.
   */
  public void check(TrainConfig config) {
    config.validate();
    if (config.maxSeqLength() < 2) {
      throw new TemperException("Config field 'max_seq_length' must be at least 2 (a token and "
          + "the next one to predict), got " + config.maxSeqLength());
    }
    String model = config.modelNameOrPath();
    if (model != null && !Files.exists(Path.of(model))) {
      try {
        workbench.models().locate(model);
      } catch (TemperException e) {
        throw new TemperException("model_name_or_path: '" + model + "' is neither a model in "
            + "the library nor a file or folder (temper models list shows the library)");
      }
    }
    if (config.tokenizerName() != null && !Files.exists(Path.of(config.tokenizerName()))) {
      throw new TemperException("tokenizer_name: no such file or folder: "
          + config.tokenizerName());
    }
    if (model == null && config.tokenizerName() == null) {
      throw new TemperException("Config field 'tokenizer_name' is required to create a model "
          + "from scratch (its vocabulary sizes the model)");
    }
    TrainingData.check(config, workbench.db());
  }

  /**
   * Runs other gradient-recording work (a VPL model) under the same one-at-a-time rule as
   * training runs; fails at once when a run is training.
   */
  public static <T> T exclusively(java.util.function.Supplier<T> work) {
    if (!ACTIVE.tryLock()) {
      throw new TemperException("A training run is active in this process; wait for it or "
          + "cancel it first");
    }
    try {
      return work.get();
    } finally {
      ACTIVE.unlock();
    }
  }

  private static String shortName(String model) {
    if (model == null) {
      return "from scratch";
    }
    Path p = Path.of(model).getFileName();
    return p == null ? model : p.toString();
  }

  /** The config a run was created with. */
  public TrainConfig config(long runId) {
    Run r = find(runId);
    return TrainConfig.parse(r.config() == null ? "" : r.config(), "run " + runId + " config",
        TrainKind.of(r.kind()));
  }

  /** Submits {@link #run} to the workbench's job runner (progress, ETA, cancel). */
  public JobHandle<TrainResult> submit(long runId) {
    Run r = find(runId);
    return workbench.jobs().submit("train", title(r), ctx -> run(runId, ctx));
  }

  public static String title(Run r) {
    return r.kind().toUpperCase(Locale.ROOT) + " run " + r.id()
        + (r.name() == null ? "" : " (" + r.name() + ")");
  }

  /**
   * Trains run {@code runId} to its last step: from its last complete checkpoint when it has
   * one, else from the start. Blocks; call it from a job. The run's row follows: RUNNING, then
   * SUCCEEDED, CANCELLED (after saving a checkpoint) or FAILED with the error.
   */
  public TrainResult run(long runId, JobContext ctx) {
    Run r = find(runId);
    if (r.status() == RunStatus.SUCCEEDED) {
      throw new TemperException("Run " + runId + " has already finished"
          + latestCheckpoint(runId).map(p -> "; its final checkpoint is " + p).orElse(""));
    }
    if (!ACTIVE.tryLock()) {
      throw new TemperException("Another training run is active in this process; wait for it "
          + "or cancel it first");
    }
    try {
      TrainConfig config = config(runId);
      Path outputDir = Path.of(r.outputDir());
      Path resume = latestCheckpoint(runId).orElse(resumeFromConfig(config, outputDir));
      workbench.db().runs().markRunning(runId);
      ctx.onAbandon(() -> workbench.db().runs().finish(runId, RunStatus.CANCELLED,
          "stopped at shutdown while it could not check for cancellation"));
      try {
        List<TrainListener> all = new java.util.ArrayList<>(listeners);
        all.addAll(hooks.listenersFor(config, ctx));
        TrainResult result = config.kind() == TrainKind.GRPO || config.kind() == TrainKind.PPO
            ? new RlTrainer(runId, config, outputDir, workbench, all, ctx).run(resume)
            : new Trainer(runId, config, outputDir, workbench, all, ctx).run(resume);
        workbench.db().runs().finish(runId, RunStatus.SUCCEEDED, null);
        return result;
      } catch (CancellationException e) {
        workbench.db().runs().finish(runId, RunStatus.CANCELLED, null);
        throw e;
      } catch (TemperException e) {
        workbench.db().runs().finish(runId, RunStatus.FAILED, e.getMessage());
        throw e;
      } catch (RuntimeException | Error e) {
        workbench.db().runs().finish(runId, RunStatus.FAILED, e.toString());
        throw e;
      }
    } finally {
      ACTIVE.unlock();
    }
  }

  /**
   * {@code resume_from_checkpoint}: a complete checkpoint folder, or for {@code true} the
   * newest one in the output dir; null when not set.
   */
  private static Path resumeFromConfig(TrainConfig config, Path outputDir) {
    String r = config.resumeFromCheckpoint();
    if (r == null) {
      return null;
    }
    if (r.equalsIgnoreCase("true")) {
      return CheckpointIO.latest(outputDir).orElseThrow(() -> new TemperException(
          "resume_from_checkpoint: no complete checkpoint in " + outputDir));
    }
    Path p = Path.of(r);
    if (!Files.isDirectory(p) || !CheckpointIO.isComplete(p)) {
      throw new TemperException("resume_from_checkpoint: " + p + " is not a complete checkpoint "
          + "folder written by Temper (step-N with trainer_state.json and its weights)");
    }
    return p;
  }

  /**
   * The last complete checkpoint of a run: the newest registered one whose directory is whole,
   * else the newest complete step-N under its output dir (a crash may have come between the
   * rename and the database row).
   */
  public Optional<Path> latestCheckpoint(long runId) {
    Run r = find(runId);
    Optional<Path> onDisk = r.outputDir() == null ? Optional.empty()
        : CheckpointIO.latest(Path.of(r.outputDir()));
    Optional<Path> registered = Optional.empty();
    for (CheckpointRow c : workbench.db().checkpoints().forRun(runId)) {
      Path p = Path.of(c.path());
      if (Files.isDirectory(p) && CheckpointIO.isComplete(p)) {
        registered = Optional.of(p);
      }
    }
    if (onDisk.isPresent() && (registered.isEmpty()
        || CheckpointIO.stepOf(onDisk.get()) > CheckpointIO.stepOf(registered.get()))) {
      return onDisk;
    }
    return registered;
  }

  /** The run with this id, or an error naming it. */
  public Run find(long runId) {
    return workbench.db().runs().find(runId)
        .orElseThrow(() -> new TemperException("No run with id " + runId + "."));
  }

  /** Every run, newest first. */
  public List<Run> list() {
    return workbench.db().runs().list();
  }

  /** The runs of some kinds, newest first. */
  public List<Run> list(TrainKind... kinds) {
    Set<String> ids = Arrays.stream(kinds).map(TrainKind::id).collect(Collectors.toSet());
    return list().stream().filter(r -> ids.contains(r.kind())).toList();
  }

  public List<String> tags(long runId) {
    return workbench.db().runs().tags(runId);
  }

  /** The tags of every run that has some. */
  public Map<Long, List<String>> allTags() {
    return workbench.db().runs().allTags();
  }

  /** Renames a run and replaces its tags, in one call. */
  public void describe(long runId, String name, Collection<String> tags) {
    workbench.db().runs().rename(runId, name);
    workbench.db().runs().setTags(runId, tags);
  }

  /** The names of the metrics a run logged, sorted. */
  public List<String> metricNames(long runId) {
    return workbench.db().metrics().names(runId);
  }

  /** One metric of a run, by step. */
  public List<Metric> metric(long runId, String name) {
    return workbench.db().metrics().series(runId, name);
  }

  /** The checkpoints a run registered, by step. */
  public List<CheckpointRow> checkpoints(long runId) {
    return workbench.db().checkpoints().forRun(runId);
  }

  /** The newest {@code limit} stored rollouts of an RL run. */
  public List<Rollout> rollouts(long runId, int limit) {
    return new RolloutRepository(workbench.db().sql()).recent(runId, limit);
  }
}
