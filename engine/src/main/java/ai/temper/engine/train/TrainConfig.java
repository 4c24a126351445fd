package ai.temper.engine.train;

import static ai.temper.engine.train.TrainKind.DPO;
import static ai.temper.engine.train.TrainKind.GRPO;
import static ai.temper.engine.train.TrainKind.PPO;
import static ai.temper.engine.train.TrainKind.PRETRAIN;
import static ai.temper.engine.train.TrainKind.RM;
import static ai.temper.engine.train.TrainKind.SFT;

import ai.temper.engine.FileErrors;
import ai.temper.engine.TemperException;
import ai.temper.engine.train.ConfigField.BadValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The settings of one training run, read from one YAML file with the field names open-instruct
 * and TRL use. Every field is typed and has a default; {@code --set key=value} overrides any of
 * them. Unknown and ill-typed fields are errors that name the field, file and line.
 *
 * <p>Each component annotated with {@link Setting} is one field: its Java type is the field's
 * type, its name in snake_case the YAML name, and the annotation holds the default (and the
 * defaults that differ by algorithm: open-instruct's per-script defaults, tiny-model minded),
 * the algorithms it applies to, its group and its line of help. The reinforcement-learning
 * fields are the components of {@link RlSettings} ({@link #rl()}). To add a field, add a
 * component here (or to RlSettings); range checks the type cannot express go in
 * {@link #validate()}, and a name constant below only if code refers to the field by name.
 */
public record TrainConfig(
    TrainKind kind,
    // ---- Model ----
    @Setting(nullable = true, group = "Model", doc = "Base model: a workbench model name, a Hugging Face"
        + " directory or a llama2.c .bin file (empty for pretraining from scratch)")
    String modelNameOrPath,
    @Setting(nullable = true, group = "Model",
        doc = "Tokenizer file or directory; empty uses the model's own")
    String tokenizerName,
    @Setting(nullable = true, kinds = {SFT, DPO, RM, GRPO, PPO}, group = "Model",
        doc = "Chat template: a built-in name (open-instruct's: tulu, zephyr, olmo, tulu_thinker,"
            + " ...; chatml, llama3), a .jinja file, or empty for the model's own (Tulu if it"
            + " has none)")
    String chatTemplateName,
    @Setting(dflt = "false", kinds = {SFT, DPO, RM, GRPO, PPO}, group = "Model",
        doc = "Put BOS first even when neither the template nor the tokenizer adds it (OLMo)")
    boolean addBos,
    @Setting(dflt = "small", kinds = PRETRAIN, group = "Model",
        doc = "Size preset of a model created from scratch when model_name_or_path is empty"
            + " (tiny: the stories260K shape, small: 15M, medium: 42M)")
    String modelSize,
    @Setting(dflt = "0.02", kinds = PRETRAIN, group = "Model",
        doc = "Standard deviation of the normal initialisation of a model created from scratch")
    double initializerRange,
    // ---- Run ----
    @Setting(nullable = true, group = "Run", doc = "A name for the run (shown in the Runs page)")
    String runName,
    @Setting(nullable = true, group = "Run",
        doc = "Where checkpoints go; empty means <home>/checkpoints/run-<id>")
    String outputDir,
    @Setting(nullable = true, group = "Run",
        doc = "Start from a checkpoint folder written by Temper (weights, optimizer, step), or"
            + " true for the newest one in output_dir; a run's own checkpoints come first")
    String resumeFromCheckpoint,
    @Setting(dflt = "42", group = "Run",
        doc = "Random seed for data order, dropout and initialisation: same seed, same run")
    int seed,
    // ---- Data ----
    @Setting(group = "Data", doc = "Training data: workbench dataset names or JSONL paths, each"
        + " with a fraction (0.5) or a count (500)")
    DatasetMix datasetMixerList,
    @Setting(nullable = true, group = "Data",
        doc = "Held-out data in the same form; empty holds out eval_fraction of the training mix")
    DatasetMix datasetMixerEvalList,
    @Setting(dflt = "0.1", group = "Data",
        doc = "Fraction of the training mix held out for evaluation when no eval list is given")
    double evalFraction,
    @Setting(dflt = "512", group = "Data",
        doc = "Maximum tokens per sequence; longer examples are truncated and counted")
    int maxSeqLength,
    @Setting(nullable = true, kinds = {DPO, RM}, group = "Data",
        doc = "Longest prompt of a pair in tokens; longer prompts lose their start (TRL)")
    Integer maxPromptLength,
    @Setting(dflt = "false", kinds = {PRETRAIN, SFT}, group = "Data",
        doc = "Concatenate examples into full-length sequences instead of padding each one")
    boolean packing,
    // ---- Optimizer ----
    @Setting(dflt = "false", group = "Optimizer",
        doc = "Keep only each layer's input in the forward pass and recompute the layer in the "
            + "backward pass: much less memory for activations, about a third more time")
    boolean gradientCheckpointing,
    @Setting(dflt = "2e-5", byKind = {"pretrain=5e-4", "dpo=5e-7", "rm=1e-5", "grpo=1e-6",
        "ppo=1e-6"}, group = "Optimizer", doc = "Peak learning rate of AdamW")
    double learningRate,
    @Setting(dflt = "1", group = "Optimizer", doc = "Passes over the training data")
    int numTrainEpochs,
    @Setting(nullable = true, group = "Optimizer",
        doc = "Optimizer steps to run; empty derives them from num_train_epochs")
    Integer maxTrainSteps,
    @Setting(name = TrainConfig.BATCH_SIZE, dflt = "8", group = "Optimizer",
        doc = "Examples (pairs for dpo/rm) per forward pass")
    int batchSize,
    @Setting(name = TrainConfig.EVAL_BATCH_SIZE, dflt = "8", group = "Optimizer",
        doc = "Examples per evaluation batch")
    int evalBatchSize,
    @Setting(dflt = "1", group = "Optimizer",
        doc = "Forward passes whose gradients add up to one optimizer step")
    int gradientAccumulationSteps,
    @Setting(dflt = "0.0", byKind = "pretrain=0.1", group = "Optimizer",
        doc = "Decoupled AdamW weight decay (never applied to biases and norm weights)")
    double weightDecay,
    @Setting(dflt = "0.9", group = "Optimizer", doc = "AdamW first-moment decay")
    double adamBeta1,
    @Setting(dflt = "0.999", group = "Optimizer", doc = "AdamW second-moment decay")
    double adamBeta2,
    @Setting(dflt = "1e-8", group = "Optimizer", doc = "AdamW denominator epsilon")
    double adamEpsilon,
    @Setting(dflt = "1.0", group = "Optimizer",
        doc = "Clip the global gradient norm to this value (0 disables clipping)")
    double maxGradNorm,
    @Setting(dflt = "false", kinds = {PRETRAIN, SFT, DPO, RM}, group = "Optimizer",
        doc = "Compute in bfloat16 where possible: DJL 0.36 has no bfloat16 type, so Temper computes"
            + " in what --precision auto picks and says so in the run's log")
    boolean bf16,
    @Setting(dflt = "false", kinds = {PRETRAIN, SFT, DPO, RM}, group = "Optimizer",
        doc = "Matrix products in float16 with dynamic loss scaling, float32 master weights and "
            + "AdamW state; false: --precision decides (auto: fp16 on a CUDA GPU, else fp32)")
    boolean fp16,
    // ---- Schedule ----
    @Setting(dflt = "linear", byKind = {"pretrain=cosine", "grpo=constant", "ppo=constant"},
        choices = {"linear", "cosine", "constant"}, group = "Schedule",
        doc = "Learning-rate decay after warmup: linear or cosine to zero, or constant")
    String lrSchedulerType,
    @Setting(dflt = "0.03", byKind = {"pretrain=0.05", "dpo=0.1", "grpo=0.0", "ppo=0.0"},
        group = "Schedule",
        doc = "Fraction of the steps over which the learning rate rises linearly from zero")
    double warmupRatio,
    @Setting(dflt = "0", group = "Schedule",
        doc = "Warmup in steps; when positive it replaces warmup_ratio")
    int warmupSteps,
    // ---- Logging ----
    @Setting(dflt = "1", group = "Logging", doc = "Log metrics every N optimizer steps")
    int loggingSteps,
    @Setting(dflt = "50", group = "Logging",
        doc = "Evaluate on held-out data every N steps (0: only at the end)")
    int evalSteps,
    @Setting(dflt = "100", group = "Logging",
        doc = "Save a checkpoint every N steps (0: only at the end)")
    int saveSteps,
    @Setting(nullable = true, group = "Logging",
        doc = "Evaluation suite (built-in name or YAML file) run on each saved checkpoint")
    String evalSuite,
    @Setting(dflt = "false", group = "Logging",
        doc = "Checkpoints hold the model (and adapter) only, no optimizer state: smaller, but a "
            + "run cannot be resumed from them")
    boolean saveOnlyModel,
    // ---- DPO and reward model ----
    @Setting(dflt = "0.1", byKind = {"grpo=0.05", "ppo=0.05"}, kinds = {DPO, GRPO, PPO},
        group = "DPO", doc = "DPO temperature; for grpo/ppo the KL coefficient: strength of the"
            + " pull towards the reference model")
    double beta,
    @Setting(dflt = "dpo", choices = {"dpo", "dpo_norm", "simpo", "ipo", "hinge", "robust", "wpo"},
        kinds = DPO, group = "DPO", doc = "dpo (TRL's sigmoid), dpo_norm (length-normalised,"
            + " Tulu 3), simpo (reference-free), ipo, hinge, robust (TRL) or wpo (open-instruct)")
    String lossType,
    @Setting(dflt = "0.0", kinds = DPO, group = "DPO",
        doc = "Assumed fraction of flipped preference labels (conservative DPO)")
    double labelSmoothing,
    @Setting(dflt = "0.3", kinds = DPO, group = "DPO",
        doc = "SimPO target margin gamma as a fraction of beta")
    double simpoGammaBetaRatio,
    @Setting(dflt = "0.0", kinds = RM, group = "Reward model",
        doc = "Reward margin the chosen answer must exceed the rejected one by")
    double margin,
    @Setting(dflt = "0.0", kinds = RM, group = "Reward model",
        doc = "Weight of mean((r_chosen + r_rejected)^2), which keeps rewards centred on zero")
    double centerRewardsCoefficient,
    // ---- reinforcement learning (grpo, ppo): open-instruct grpo_fast / ppo names ----
    RlSettings rl,
    // ---- LoRA ----
    @Setting(dflt = "false", group = "LoRA", doc = "Train low-rank adapters instead of all weights")
    boolean useLora,
    @Setting(dflt = "8", group = "LoRA", doc = "Rank r of the adapters")
    int loraRank,
    @Setting(dflt = "16.0", group = "LoRA",
        doc = "Adapter scale numerator: the update is (alpha / r) B A")
    double loraAlpha,
    @Setting(dflt = "0.0", group = "LoRA", doc = "Dropout on the adapters' input")
    double loraDropout,
    @Setting(dflt = TrainConfig.LORA_MODULE_NAMES, group = "LoRA",
        doc = "Projections that get adapters (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,"
            + " down_proj)")
    List<String> loraTargetModules,
    // where the values came from (for error messages) and what loading noticed
    Origin origin) {

  // Field names, so code and tests do not repeat string literals.
  public static final String MODEL = "model_name_or_path";
  public static final String TOKENIZER = "tokenizer_name";
  public static final String CHAT_TEMPLATE = "chat_template_name";
  public static final String RUN_NAME = "run_name";
  public static final String OUTPUT_DIR = "output_dir";
  public static final String SEED = "seed";
  public static final String MIXER_LIST = "dataset_mixer_list";
  public static final String EVAL_MIXER_LIST = "dataset_mixer_eval_list";
  public static final String EVAL_FRACTION = "eval_fraction";
  public static final String MAX_SEQ_LENGTH = "max_seq_length";
  public static final String PACKING = "packing";
  public static final String GRADIENT_CHECKPOINTING = "gradient_checkpointing";
  public static final String LEARNING_RATE = "learning_rate";
  public static final String EPOCHS = "num_train_epochs";
  public static final String MAX_TRAIN_STEPS = "max_train_steps";
  public static final String BATCH_SIZE = "per_device_train_batch_size";
  public static final String EVAL_BATCH_SIZE = "per_device_eval_batch_size";
  public static final String GRAD_ACCUM = "gradient_accumulation_steps";
  public static final String WEIGHT_DECAY = "weight_decay";
  public static final String ADAM_BETA1 = "adam_beta1";
  public static final String ADAM_BETA2 = "adam_beta2";
  public static final String ADAM_EPSILON = "adam_epsilon";
  public static final String MAX_GRAD_NORM = "max_grad_norm";
  public static final String SCHEDULER = "lr_scheduler_type";
  public static final String WARMUP_RATIO = "warmup_ratio";
  public static final String LOGGING_STEPS = "logging_steps";
  public static final String EVAL_STEPS = "eval_steps";
  public static final String SAVE_STEPS = "save_steps";
  public static final String SAVE_ONLY_MODEL = "save_only_model";
  public static final String BETA = "beta";
  public static final String LOSS_TYPE = "loss_type";
  public static final String LABEL_SMOOTHING = "label_smoothing";
  public static final String SIMPO_RATIO = "simpo_gamma_beta_ratio";
  public static final String MARGIN = "margin";
  public static final String CENTER_REWARDS = "center_rewards_coefficient";
  public static final String USE_LORA = "use_lora";
  public static final String LORA_RANK = "lora_rank";
  public static final String LORA_ALPHA = "lora_alpha";
  public static final String LORA_DROPOUT = "lora_dropout";
  public static final String LORA_TARGETS = "lora_target_modules";
  public static final String MODEL_SIZE = "model_size";
  // reinforcement learning (grpo, ppo): open-instruct grpo_fast / ppo names
  public static final String RL_PROMPTS = "num_unique_prompts_rollout";
  public static final String RL_SAMPLES = "num_samples_per_prompt_rollout";
  public static final String RESPONSE_LENGTH = "response_length";
  public static final String TEMPERATURE = "temperature";
  public static final String STOP_STRINGS = "stop_strings";
  public static final String KL_ESTIMATOR = "kl_estimator";
  public static final String CLIP_LOWER = "clip_lower";
  public static final String CLIP_HIGHER = "clip_higher";
  public static final String RL_EPOCHS = "num_epochs";
  public static final String RL_MINI_BATCHES = "num_mini_batches";
  public static final String ADVANTAGE_NORM = "advantage_normalization_type";
  public static final String APPLY_VERIFIABLE = "apply_verifiable_reward";
  public static final String VERIFICATION_REWARD = "verification_reward";
  public static final String REWARD_MODEL = "reward_model_path";
  public static final String NON_STOP_PENALTY = "non_stop_penalty";
  public static final String NON_STOP_PENALTY_VALUE = "non_stop_penalty_value";
  public static final String VALUE_MODEL = "value_model_path";
  public static final String VF_COEF = "vf_coef";
  public static final String CLIPRANGE_VALUE = "cliprange_value";
  public static final String GAMMA = "gamma";
  public static final String LAM = "lam";
  public static final String INIT_RANGE = "initializer_range";
  public static final String WARMUP_STEPS = "warmup_steps";
  public static final String MAX_PROMPT_LENGTH = "max_prompt_length";
  public static final String ADD_BOS = "add_bos";
  public static final String RESUME = "resume_from_checkpoint";
  public static final String EVAL_SUITE = "eval_suite";
  public static final String BF16 = "bf16";
  public static final String FP16 = "fp16";

  /** The projections LoRA can adapt (the default of lora_target_modules). */
  static final String LORA_MODULE_NAMES =
      "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj,qkv_proj,gate_up_proj";
  public static final List<String> LORA_MODULES = List.of(LORA_MODULE_NAMES.split(","));

  private static final Set<TrainKind> RL = EnumSet.of(GRPO, PPO);

  /** The fields: this record's annotated components and RlSettings'. */
  private static final ConfigRecord<TrainConfig> RECORD = ConfigRecord.of(TrainConfig.class);
  private static final List<ConfigField> FIELDS = RECORD.fields();
  private static final Map<String, ConfigField> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfigField f : FIELDS) {
      BY_NAME.put(f.name(), f);
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  /**
   * Where a config's values came from: the file ({@code source}, null for configs built in
   * code), each field's line there, whether the file was empty, and what loading noticed but
   * did not reject.
   */
  public record Origin(String source, Map<String, Integer> lines, boolean empty,
      List<String> notes) {
    static final Origin NONE = new Origin(null, Map.of(), false, List.of());

    public Origin {
      lines = Map.copyOf(lines);
      notes = List.copyOf(notes);
    }
  }

  /** resume_from_checkpoint "false" means none, as an open-instruct config may write it. */
  public TrainConfig {
    if (resumeFromCheckpoint != null && resumeFromCheckpoint.equalsIgnoreCase("false")) {
      resumeFromCheckpoint = null;
    }
    origin = origin == null ? Origin.NONE : origin;
  }

  private static TrainConfig bind(TrainKind kind, Map<String, Object> values, Origin origin) {
    return RECORD.bind(values, component -> component.equals("kind") ? kind : origin);
  }

  /**
   * What loading noticed but did not reject: fields of open-instruct or TRL configs that have
   * no effect here, with the reason (file:line: ...). Empty for configs built in code.
   */
  public List<String> notes() {
    return origin.notes();
  }

  /** Every field, in the order the property sheet shows them. */
  public static List<ConfigField> fields() {
    return FIELDS;
  }

  /** The fields that matter for {@code kind}. */
  public static List<ConfigField> fields(TrainKind kind) {
    List<ConfigField> out = new ArrayList<>();
    for (ConfigField f : FIELDS) {
      if (f.appliesTo(kind)) {
        out.add(f);
      }
    }
    return out;
  }

  public static ConfigField field(String name) {
    ConfigField f = BY_NAME.containsKey(name) ? BY_NAME.get(name)
        : BY_NAME.get(ConfigAliases.canonical(name));
    if (f == null) {
      throw new TemperException("Unknown config field '" + name + "'" + suggestion(name));
    }
    return f;
  }

  /** The default config of {@code kind}. */
  public static TrainConfig defaults(TrainKind kind) {
    return bind(kind, RECORD.defaults(kind), Origin.NONE);
  }

  /** Reads a YAML file; errors name the file, line and field. */
  public static TrainConfig load(Path file, TrainKind kind) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new TemperException("Config file not found: " + file);
    } catch (IOException e) {
      throw new TemperException("Cannot read config " + file + ": " + FileErrors.reason(e), e);
    }
    return parse(text, file.toString(), kind);
  }

  /** Parses YAML text; {@code source} names it in errors. */
  public static TrainConfig parse(String yaml, String source, TrainKind kind) {
    Map<String, Object> values = RECORD.defaults(kind);
    Map<String, Integer> seen = new HashMap<>();
    Map<String, String> spelled = new HashMap<>();
    List<String> notes = new ArrayList<>();
    try (JsonParser p = YAML.getFactory().createParser(yaml)) {
      p.setCodec(YAML);
      JsonToken t = p.nextToken();
      if (t == null) { // an empty file: all defaults
        return bind(kind, values, new Origin(source, Map.of(), true, List.of()));
      }
      if (t != JsonToken.START_OBJECT) {
        throw new TemperException(source + ":" + p.currentTokenLocation().getLineNr()
            + ": a training config is a mapping of field: value lines");
      }
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int line = p.currentTokenLocation().getLineNr();
        p.nextToken();
        JsonNode value = p.readValueAsTree();
        String where = source + ":" + line + ": ";
        String ignored = ConfigAliases.ignoredReason(name);
        if (ignored != null && !BY_NAME.containsKey(name)) {
          notes.add(where + "'" + name + "' has no effect here (" + ignored + ")");
          continue;
        }
        String given = name;
        name = canonical(name, kind);
        value = ConfigAliases.convert(given, value);
        if (seen.containsKey(name)) {
          throw new TemperException(where + "field '" + name + "' is given twice (first on line "
              + seen.get(name) + (spelled.get(name).equals(given) ? "" : " as '"
              + spelled.get(name) + "'") + ")");
        }
        seen.put(name, line);
        spelled.put(name, given);
        ConfigField f = BY_NAME.get(name);
        if (f == null) {
          throw new TemperException(where + "unknown field '" + name + "'" + suggestion(name));
        }
        try {
          values.put(name, f.fromYaml(value));
        } catch (BadValue e) {
          throw new TemperException(where + "field '" + name + "': " + e.getMessage());
        }
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
      int nl = m.indexOf('\n');
      throw new TemperException(source + (line > 0 ? ":" + line : "") + ": not valid YAML: "
          + (nl < 0 ? m : m.substring(0, nl)), e);
    } catch (IOException e) {
      throw new TemperException(source + ": " + e.getMessage(), e);
    }
    TrainConfig out = bind(kind, values, new Origin(source, seen, false, notes));
    out.validate(source, seen);
    return out;
  }

  /** A copy with one field set (already typed). */
  public TrainConfig with(String name, Object value) {
    name = canonical(name, kind);
    ConfigField f = field(name);
    if (value == null && !f.nullable()) {
      throw new TemperException("Config field '" + name + "' must not be empty");
    }
    Map<String, Object> v = values();
    v.put(f.name(), value);
    return bind(kind, v, origin);
  }

  /**
   * The field a config name means for {@code kind}: a field of that algorithm by its own
   * name, else the field an open-instruct / TRL alias stands for (open-instruct's
   * {@code num_epochs} is the RL field for grpo/ppo and num_train_epochs for dpo).
   */
  public static String canonical(String name, TrainKind kind) {
    ConfigField own = BY_NAME.get(name);
    if (own != null && (own.appliesTo(kind) || !ConfigAliases.isAlias(name))) {
      return name;
    }
    return ConfigAliases.canonical(name);
  }

  /** A copy with one field parsed from text, as {@code --set} and the property sheet give it. */
  public TrainConfig withText(String name, String text) {
    ConfigField f = field(name);
    try {
      return with(name, f.fromString(ConfigAliases.valueAlias(f.name(), text)));
    } catch (BadValue e) {
      throw new TemperException("Config field '" + name + "': " + e.getMessage());
    }
  }

  /** Applies {@code key=value} overrides in order, then validates. */
  public TrainConfig withSets(List<String> assignments) {
    TrainConfig c = this;
    Set<String> set = new HashSet<>();
    for (String a : assignments) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new TemperException("--set expects key=value, got '" + a + "'");
      }
      String name = canonical(a.substring(0, eq).strip(), kind);
      if (!BY_NAME.containsKey(name)) {
        throw new TemperException("--set " + a + ": unknown field '" + name + "'"
            + suggestion(name));
      }
      set.add(name);
      try {
        c = c.with(name, BY_NAME.get(name).fromString(
            ConfigAliases.valueAlias(name, a.substring(eq + 1))));
      } catch (BadValue e) {
        throw new TemperException("--set " + a + ": field '" + name + "': " + e.getMessage());
      }
    }
    Origin o = c.origin;
    c.validate(name -> set.contains(name) ? "--set: "
        : o.source() == null ? ""
        : o.source() + (o.lines().containsKey(name) ? ":" + o.lines().get(name) : "")
            + (o.empty() ? " (the file is empty)" : "") + ": ");
    return c;
  }

  /**
   * A copy whose file references are absolute, so the run finds them again when resumed from
   * another directory: a model, tokenizer, template or dataset path that exists relative to the
   * working directory, else relative to {@code configDir} (the YAML file's folder; may be
   * null), becomes absolute; names that are no file (workbench datasets and models) stay.
   */
  public TrainConfig resolvePaths(Path configDir) {
    Map<String, Object> v = values();
    for (String f : List.of(MODEL, TOKENIZER, CHAT_TEMPLATE, EVAL_SUITE)) {
      String s = (String) v.get(f);
      if (s != null && !ai.temper.engine.chat.ChatTemplate.BUILTIN.contains(s)) {
        v.put(f, resolve(s, configDir));
      }
    }
    if (outputDir() != null) {
      v.put(OUTPUT_DIR, Path.of(outputDir()).toAbsolutePath().normalize().toString());
    }
    for (String f : List.of(MIXER_LIST, EVAL_MIXER_LIST)) {
      DatasetMix mix = (DatasetMix) v.get(f);
      if (mix != null) {
        List<DatasetMix.Entry> entries = new ArrayList<>();
        for (DatasetMix.Entry e : mix.entries()) {
          entries.add(new DatasetMix.Entry(resolve(e.source(), configDir), e.fraction(),
              e.count()));
        }
        v.put(f, new DatasetMix(entries));
      }
    }
    return bind(kind, v, origin);
  }

  private static String resolve(String name, Path configDir) {
    Path p = Path.of(name);
    if (Files.exists(p)) {
      return p.toAbsolutePath().normalize().toString();
    }
    if (configDir != null && !p.isAbsolute() && Files.exists(configDir.resolve(p))) {
      return configDir.resolve(p).toAbsolutePath().normalize().toString();
    }
    return name;
  }

  /** Checks ranges that the types alone cannot. */
  public void validate() {
    validate(null, Map.of());
  }

  /**
   * Checks ranges that the types alone cannot; {@code source} and {@code lines} (field name to
   * line) say where the values came from.
   */
  private void validate(String source, Map<String, Integer> lines) {
    validate(name -> source == null ? ""
        : source + (lines.containsKey(name) ? ":" + lines.get(name) : "") + ": ");
  }

  /** {@code whereOf} gives the prefix of a message about a field ("file:line: "). */
  private void validate(Function<String, String> whereOf) {
    BiConsumer<String, String> bad = (name, why) -> {
      throw new TemperException(whereOf.apply(name) + "field '" + name + "' " + why);
    };
    positive(bad, Map.entry(BATCH_SIZE, batchSize), Map.entry(EVAL_BATCH_SIZE, evalBatchSize),
        Map.entry(GRAD_ACCUM, gradientAccumulationSteps), Map.entry(EPOCHS, numTrainEpochs),
        Map.entry(MAX_SEQ_LENGTH, maxSeqLength), Map.entry(LOGGING_STEPS, loggingSteps),
        Map.entry(LORA_RANK, loraRank));
    if (maxTrainSteps != null && maxTrainSteps <= 0) {
      bad.accept(MAX_TRAIN_STEPS, "must be positive");
    }
    if (learningRate <= 0) {
      bad.accept(LEARNING_RATE, "must be positive");
    }
    if (bf16 && fp16) {
      bad.accept(FP16, "and bf16 cannot both be true");
    }
    if (fp16 && RL.contains(kind)) {
      bad.accept(FP16, "is not available for " + kind.id() + ": rollouts are scored in "
          + "float32, so grpo and ppo train in float32");
    }
    if (warmupRatio < 0 || warmupRatio >= 1) {
      bad.accept(WARMUP_RATIO, "must be in [0, 1)");
    }
    if (evalFraction < 0 || evalFraction >= 1) {
      bad.accept(EVAL_FRACTION, "must be in [0, 1)");
    }
    if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
      bad.accept(LABEL_SMOOTHING, "must be in [0, 0.5)");
    }
    if (loraDropout < 0 || loraDropout >= 1) {
      bad.accept(LORA_DROPOUT, "must be in [0, 1)");
    }
    if (adamBeta1 < 0 || adamBeta1 >= 1) {
      bad.accept(ADAM_BETA1, "must be in [0, 1)");
    }
    if (adamBeta2 < 0 || adamBeta2 >= 1) {
      bad.accept(ADAM_BETA2, "must be in [0, 1)");
    }
    if (evalSteps < 0) {
      bad.accept(EVAL_STEPS, "must not be negative");
    }
    if (saveSteps < 0) {
      bad.accept(SAVE_STEPS, "must not be negative");
    }
    if (warmupSteps < 0) {
      bad.accept(WARMUP_STEPS, "must not be negative");
    }
    if (maxPromptLength != null && maxPromptLength <= 0) {
      bad.accept(MAX_PROMPT_LENGTH, "must be positive");
    }
    for (String m : loraTargetModules) {
      if (!LORA_MODULES.contains(m)) {
        bad.accept(LORA_TARGETS, "has an unknown module '" + m + "' (choose from "
            + String.join(", ", LORA_MODULES) + ")");
      }
    }
    if (useLora && loraTargetModules.isEmpty()) {
      bad.accept(LORA_TARGETS, "must name at least one module when use_lora is true");
    }
    if (modelNameOrPath == null && kind != PRETRAIN) {
      bad.accept(MODEL, "is required for " + kind.id()
          + " (only pretraining starts from scratch)");
    }
    if (RL.contains(kind)) {
      positive(bad, Map.entry(RL_PROMPTS, rl.numUniquePromptsRollout()),
          Map.entry(RL_SAMPLES, rl.numSamplesPerPromptRollout()),
          Map.entry(RESPONSE_LENGTH, rl.responseLength()), Map.entry(RL_EPOCHS, rl.numEpochs()),
          Map.entry(RL_MINI_BATCHES, rl.numMiniBatches()));
      if (kind == GRPO && rl.numSamplesPerPromptRollout() < 2) {
        bad.accept(RL_SAMPLES, "must be at least 2 for grpo: advantages compare the samples of"
            + " a prompt with each other (got " + rl.numSamplesPerPromptRollout() + ")");
      }
      if (rl.numMiniBatches() > rl.rolloutSize()) {
        bad.accept(RL_MINI_BATCHES, "exceeds the completions per rollout batch");
      }
      if (rl.temperature() <= 0) {
        bad.accept(TEMPERATURE, "must be positive: rollouts are sampled");
      }
      if (rl.clipLower() < 0 || rl.clipLower() >= 1) {
        bad.accept(CLIP_LOWER, "must be in [0, 1)");
      }
      if (rl.clipHigher() < 0) {
        bad.accept(CLIP_HIGHER, "must not be negative");
      }
      if (beta < 0) {
        bad.accept(BETA, "must not be negative");
      }
      if (!rl.applyVerifiableReward() && rl.rewardModelPath() == null) {
        bad.accept(APPLY_VERIFIABLE, "is false and no reward_model_path is given: nothing "
            + "rewards the completions");
      }
    }
    if (modelNameOrPath == null && useLora) {
      bad.accept(USE_LORA, "needs a base model: a model created from scratch trains all weights");
    }
  }

  @SafeVarargs
  private static void positive(BiConsumer<String, String> bad,
      Map.Entry<String, Integer>... fields) {
    for (Map.Entry<String, Integer> f : fields) {
      if (f.getValue() <= 0) {
        bad.accept(f.getKey(), "must be positive, got " + f.getValue());
      }
    }
  }

  private static String suggestion(String name) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    List<String> names = new ArrayList<>(BY_NAME.keySet());
    names.addAll(ConfigAliases.otherNames());
    for (String known : names) {
      int d = editDistance(name, known);
      if (d < bestDistance) {
        bestDistance = d;
        best = known;
      }
    }
    return best != null && bestDistance <= Math.max(2, name.length() / 4)
        ? " (did you mean '" + best + "'?)" : "";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] tmp = prev;
      prev = cur;
      cur = tmp;
    }
    return prev[b.length()];
  }

  /** The config as YAML: every field that applies to the kind, defaults included. */
  public String toYaml() {
    Map<String, Object> values = values();
    Map<String, Object> out = new LinkedHashMap<>();
    for (ConfigField f : FIELDS) {
      if (!f.appliesTo(kind)) {
        continue;
      }
      Object v = values.get(f.name());
      out.put(f.name(), v instanceof DatasetMix m ? m.toYaml() : v);
    }
    try {
      return YAML.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The value of a field by its name (or an alias of it). */
  public Object get(String name) {
    return values().get(field(name).name());
  }

  /** All values by field name, in the order of {@link #fields()}; a copy. */
  public Map<String, Object> values() {
    return RECORD.values(this);
  }
}
