package ai.temper.engine.train;

import ai.temper.engine.FileErrors;
import static ai.temper.engine.train.ConfigField.Type.BOOL;
import static ai.temper.engine.train.ConfigField.Type.CHOICE;
import static ai.temper.engine.train.ConfigField.Type.DOUBLE;
import static ai.temper.engine.train.ConfigField.Type.INT;
import static ai.temper.engine.train.ConfigField.Type.MIXER;
import static ai.temper.engine.train.ConfigField.Type.STRING;
import static ai.temper.engine.train.ConfigField.Type.STRING_LIST;

import ai.temper.engine.TemperException;
import ai.temper.engine.train.ConfigField.BadValue;
import ai.temper.engine.train.ConfigField.Type;
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
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one training run, read from one YAML file with the field names open-instruct
 * and TRL use. Every field is typed and has a default; {@code --set key=value} overrides any of
 * them. Unknown and ill-typed fields are errors that name the field, file and line.
 */
public final class TrainConfig {
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

  public static final List<String> LORA_MODULES = List.of("q_proj", "k_proj", "v_proj",
      "o_proj", "gate_proj", "up_proj", "down_proj", "qkv_proj", "gate_up_proj");

  private static final Set<TrainKind> PREFS = EnumSet.of(TrainKind.DPO, TrainKind.RM);
  private static final Set<TrainKind> CHAT = EnumSet.of(TrainKind.SFT, TrainKind.DPO,
      TrainKind.RM, TrainKind.GRPO, TrainKind.PPO);
  private static final Set<TrainKind> RL = EnumSet.of(TrainKind.GRPO, TrainKind.PPO);

  private static final List<ConfigField> FIELDS = List.of(
      f(MODEL, STRING, null, true, null, "Model",
          "Base model: a workbench model name, a Hugging Face directory or a llama2.c .bin file"
              + " (empty for pretraining from scratch)"),
      f(TOKENIZER, STRING, null, true, null, "Model",
          "Tokenizer file or directory; empty uses the model's own"),
      f(CHAT_TEMPLATE, STRING, null, true, CHAT, "Model",
          "Chat template: a built-in name (open-instruct's: tulu, zephyr, olmo, tulu_thinker,"
              + " ...; chatml, llama3), a .jinja file, or empty for the model's own (Tulu if it"
              + " has none)"),
      f(ADD_BOS, BOOL, false, false, CHAT, "Model",
          "Put BOS first even when neither the template nor the tokenizer adds it (OLMo)"),
      f(MODEL_SIZE, STRING, "small", false, EnumSet.of(TrainKind.PRETRAIN), "Model",
          "Size preset of a model created from scratch when model_name_or_path is empty"
              + " (tiny: the stories260K shape, small: 15M, medium: 42M)"),
      f(INIT_RANGE, DOUBLE, 0.02, false, EnumSet.of(TrainKind.PRETRAIN), "Model",
          "Standard deviation of the normal initialisation of a model created from scratch"),
      f(RUN_NAME, STRING, null, true, null, "Run", "A name for the run (shown in the Runs page)"),
      f(OUTPUT_DIR, STRING, null, true, null, "Run",
          "Where checkpoints go; empty means <home>/checkpoints/run-<id>"),
      f(RESUME, STRING, null, true, null, "Run",
          "Start from a checkpoint folder written by Temper (weights, optimizer, step), or"
              + " true for the newest one in output_dir; a run's own checkpoints come first"),
      f(SEED, INT, 42, false, null, "Run",
          "Random seed for data order, dropout and initialisation: same seed, same run"),
      f(MIXER_LIST, MIXER, new DatasetMix(List.of()), false, null, "Data",
          "Training data: workbench dataset names or JSONL paths, each with a fraction (0.5)"
              + " or a count (500)"),
      f(EVAL_MIXER_LIST, MIXER, null, true, null, "Data",
          "Held-out data in the same form; empty holds out eval_fraction of the training mix"),
      f(EVAL_FRACTION, DOUBLE, 0.1, false, null, "Data",
          "Fraction of the training mix held out for evaluation when no eval list is given"),
      f(MAX_SEQ_LENGTH, INT, 512, false, null, "Data",
          "Maximum tokens per sequence; longer examples are truncated and counted"),
      f(MAX_PROMPT_LENGTH, INT, null, true, PREFS, "Data",
          "Longest prompt of a pair in tokens; longer prompts lose their start (TRL)"),
      f(PACKING, BOOL, false, false, EnumSet.of(TrainKind.PRETRAIN, TrainKind.SFT), "Data",
          "Concatenate examples into full-length sequences instead of padding each one"),
      f(GRADIENT_CHECKPOINTING, BOOL, false, false, null, "Optimizer",
          "Keep only each layer's input in the forward pass and recompute the layer in the "
              + "backward pass: much less memory, about a third more time"),
      f(LEARNING_RATE, DOUBLE, 2e-5, false, null, "Optimizer",
          "Peak learning rate of AdamW"),
      f(EPOCHS, INT, 1, false, null, "Optimizer", "Passes over the training data"),
      f(MAX_TRAIN_STEPS, INT, null, true, null, "Optimizer",
          "Optimizer steps to run; empty derives them from num_train_epochs"),
      f(BATCH_SIZE, INT, 8, false, null, "Optimizer",
          "Examples (pairs for dpo/rm) per forward pass"),
      f(EVAL_BATCH_SIZE, INT, 8, false, null, "Optimizer", "Examples per evaluation batch"),
      f(GRAD_ACCUM, INT, 1, false, null, "Optimizer",
          "Forward passes whose gradients add up to one optimizer step"),
      f(WEIGHT_DECAY, DOUBLE, 0.0, false, null, "Optimizer",
          "Decoupled AdamW weight decay (never applied to biases and norm weights)"),
      f(ADAM_BETA1, DOUBLE, 0.9, false, null, "Optimizer", "AdamW first-moment decay"),
      f(ADAM_BETA2, DOUBLE, 0.999, false, null, "Optimizer", "AdamW second-moment decay"),
      f(ADAM_EPSILON, DOUBLE, 1e-8, false, null, "Optimizer", "AdamW denominator epsilon"),
      f(MAX_GRAD_NORM, DOUBLE, 1.0, false, null, "Optimizer",
          "Clip the global gradient norm to this value (0 disables clipping)"),
      choice(SCHEDULER, "linear", List.of("linear", "cosine", "constant"), null, "Schedule",
          "Learning-rate decay after warmup: linear or cosine to zero, or constant"),
      f(WARMUP_RATIO, DOUBLE, 0.03, false, null, "Schedule",
          "Fraction of the steps over which the learning rate rises linearly from zero"),
      f(WARMUP_STEPS, INT, 0, false, null, "Schedule",
          "Warmup in steps; when positive it replaces warmup_ratio"),
      f(LOGGING_STEPS, INT, 1, false, null, "Logging", "Log metrics every N optimizer steps"),
      f(EVAL_STEPS, INT, 50, false, null, "Logging",
          "Evaluate on held-out data every N steps (0: only at the end)"),
      f(SAVE_STEPS, INT, 100, false, null, "Logging",
          "Save a checkpoint every N steps (0: only at the end)"),
      f(EVAL_SUITE, STRING, null, true, null, "Logging",
          "Evaluation suite (built-in name or YAML file) run on each saved checkpoint"),
      f(SAVE_ONLY_MODEL, BOOL, false, false, null, "Logging",
          "Checkpoints hold the model (and adapter) only, no optimizer state: smaller, but a "
              + "run cannot be resumed from them"),
      f(BETA, DOUBLE, 0.1, false, EnumSet.of(TrainKind.DPO, TrainKind.GRPO, TrainKind.PPO),
          "DPO", "DPO temperature; for grpo/ppo the KL coefficient: strength of the pull"
              + " towards the reference model"),
      choice(LOSS_TYPE, "dpo", List.of("dpo", "dpo_norm", "simpo", "ipo", "hinge", "robust",
          "wpo"), EnumSet.of(TrainKind.DPO), "DPO", "dpo (TRL's sigmoid), dpo_norm (length-"
              + "normalised, Tulu 3), simpo (reference-free), ipo, hinge, robust (TRL) or wpo"
              + " (open-instruct)"),
      f(LABEL_SMOOTHING, DOUBLE, 0.0, false, EnumSet.of(TrainKind.DPO), "DPO",
          "Assumed fraction of flipped preference labels (conservative DPO)"),
      f(SIMPO_RATIO, DOUBLE, 0.3, false, EnumSet.of(TrainKind.DPO), "DPO",
          "SimPO target margin gamma as a fraction of beta"),
      f(MARGIN, DOUBLE, 0.0, false, EnumSet.of(TrainKind.RM), "Reward model",
          "Reward margin the chosen answer must exceed the rejected one by"),
      f(CENTER_REWARDS, DOUBLE, 0.0, false, EnumSet.of(TrainKind.RM), "Reward model",
          "Weight of mean((r_chosen + r_rejected)^2), which keeps rewards centred on zero"),
      // ---- reinforcement learning (grpo, ppo) ----
      f(RL_PROMPTS, INT, 8, false, RL, "RL",
          "Prompts per rollout batch (one training step)"),
      f(RL_SAMPLES, INT, 4, false, RL, "RL",
          "Completions sampled per prompt (the GRPO group size; at least 2 for grpo)"),
      f(RESPONSE_LENGTH, INT, 64, false, RL, "RL", "Generated tokens per completion at most"),
      f(TEMPERATURE, DOUBLE, 1.0, false, RL, "RL", "Sampling temperature of the rollouts"),
      f(STOP_STRINGS, STRING_LIST, List.of(), false, RL, "RL",
          "Strings that end a completion (cut before them)"),
      choice(KL_ESTIMATOR, "kl3", List.of("kl1", "kl2", "kl3", "kl4"), RL, "RL",
          "KL estimator, d = logp - logp_ref: kl1 d, kl2 d^2/2, kl3 exp(-d)-1+d, kl4 ratio*d"),
      f(CLIP_LOWER, DOUBLE, 0.2, false, RL, "RL", "Ratio clip below 1 (1 - clip_lower)"),
      f(CLIP_HIGHER, DOUBLE, 0.2, false, RL, "RL",
          "Ratio clip above 1 (1 + clip_higher; DAPO uses 0.28)"),
      f(RL_EPOCHS, INT, 1, false, RL, "RL", "Passes over each rollout batch"),
      f(RL_MINI_BATCHES, INT, 1, false, RL, "RL",
          "Optimizer steps per pass over a rollout batch"),
      choice(ADVANTAGE_NORM, "standard", List.of("standard", "centered"),
          EnumSet.of(TrainKind.GRPO), "RL",
          "GRPO advantages: (r - mean) / (std + 1e-8) per group, or r - mean"),
      f(APPLY_VERIFIABLE, BOOL, true, false, RL, "RL",
          "Reward verified answers (the row's verifier and ground truth)"),
      f(VERIFICATION_REWARD, DOUBLE, 10.0, false, RL, "RL",
          "Reward for a verified answer (times the verifier's score)"),
      f(REWARD_MODEL, STRING, null, true, RL, "RL",
          "A reward model checkpoint (temper train rm) whose score is added to the reward"),
      f(NON_STOP_PENALTY, BOOL, false, false, RL, "RL",
          "Give completions that hit response_length without EOS non_stop_penalty_value"),
      f(NON_STOP_PENALTY_VALUE, DOUBLE, 0.0, false, RL, "RL",
          "The reward of a completion without EOS when non_stop_penalty is on"),
      f(VALUE_MODEL, STRING, null, true, EnumSet.of(TrainKind.PPO), "RL",
          "Reward model checkpoint the value head starts from (default: reward_model_path)"),
      f(VF_COEF, DOUBLE, 0.1, false, EnumSet.of(TrainKind.PPO), "RL", "Value loss weight"),
      f(CLIPRANGE_VALUE, DOUBLE, 0.2, false, EnumSet.of(TrainKind.PPO), "RL",
          "Value clip: V stays within V_old +- cliprange_value in the clipped term"),
      f(GAMMA, DOUBLE, 1.0, false, EnumSet.of(TrainKind.PPO), "RL", "GAE discount"),
      f(LAM, DOUBLE, 0.95, false, EnumSet.of(TrainKind.PPO), "RL", "GAE lambda"),
      f(USE_LORA, BOOL, false, false, null, "LoRA",
          "Train low-rank adapters instead of all weights"),
      f(LORA_RANK, INT, 8, false, null, "LoRA", "Rank r of the adapters"),
      f(LORA_ALPHA, DOUBLE, 16.0, false, null, "LoRA",
          "Adapter scale numerator: the update is (alpha / r) B A"),
      f(LORA_DROPOUT, DOUBLE, 0.0, false, null, "LoRA", "Dropout on the adapters' input"),
      f(LORA_TARGETS, STRING_LIST, LORA_MODULES, false, null, "LoRA",
          "Projections that get adapters (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,"
              + " down_proj)"));

  private static final Map<String, ConfigField> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfigField f : FIELDS) {
      BY_NAME.put(f.name(), f);
    }
  }

  /** Defaults that differ by algorithm (open-instruct's per-script defaults, tiny-model minded). */
  private static Map<String, Object> kindDefaults(TrainKind kind) {
    return switch (kind) {
      case PRETRAIN -> Map.of(LEARNING_RATE, 5e-4, WARMUP_RATIO, 0.05, SCHEDULER, "cosine",
          WEIGHT_DECAY, 0.1);
      case SFT -> Map.of();
      case DPO -> Map.of(LEARNING_RATE, 5e-7, WARMUP_RATIO, 0.1);
      case RM -> Map.of(LEARNING_RATE, 1e-5);
      case GRPO -> Map.of(LEARNING_RATE, 1e-6, BETA, 0.05, SCHEDULER, "constant",
          WARMUP_RATIO, 0.0);
      case PPO -> Map.of(LEARNING_RATE, 1e-6, BETA, 0.05, SCHEDULER, "constant",
          WARMUP_RATIO, 0.0, RL_EPOCHS, 4, NON_STOP_PENALTY, true, NON_STOP_PENALTY_VALUE,
          -10.0);
    };
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final TrainKind kind;
  private final Map<String, Object> values;
  private List<String> notes = List.of();
  /** The file the values were read from and each field's line there (for error messages). */
  private String source;
  private Map<String, Integer> lines = Map.of();
  private boolean emptySource;

  private TrainConfig(TrainKind kind, Map<String, Object> values) {
    this.kind = kind;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * What loading noticed but did not reject: fields of open-instruct or TRL configs that have
   * no effect here, with the reason (file:line: ...). Empty for configs built in code.
   */
  public List<String> notes() {
    return notes;
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
    Map<String, Object> v = new LinkedHashMap<>();
    for (ConfigField f : FIELDS) {
      v.put(f.name(), f.defaultValue());
    }
    v.putAll(kindDefaults(kind));
    return new TrainConfig(kind, v);
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
    TrainConfig config = defaults(kind);
    Map<String, Object> values = new LinkedHashMap<>(config.values);
    Map<String, Integer> seen = new HashMap<>();
    Map<String, String> spelled = new HashMap<>();
    List<String> notes = new ArrayList<>();
    try (JsonParser p = YAML.getFactory().createParser(yaml)) {
      p.setCodec(YAML);
      JsonToken t = p.nextToken();
      if (t == null) {
        config.source = source; // an empty file: all defaults
        config.emptySource = true;
        return config;
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
    TrainConfig out = new TrainConfig(kind, values);
    out.validate(source, seen);
    out.notes = List.copyOf(notes);
    out.source = source;
    out.lines = Map.copyOf(seen);
    return out;
  }

  /** A copy with one field set (already typed). */
  public TrainConfig with(String name, Object value) {
    name = canonical(name, kind);
    ConfigField f = field(name);
    if (value == null && !f.nullable()) {
      throw new TemperException("Config field '" + name + "' must not be empty");
    }
    Map<String, Object> v = new LinkedHashMap<>(values);
    v.put(name, value);
    TrainConfig c = new TrainConfig(kind, v);
    c.source = source;
    c.lines = lines;
    c.emptySource = emptySource;
    return c;
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
    java.util.Set<String> set = new java.util.HashSet<>();
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
    TrainConfig checked = c;
    checked.validate(name -> set.contains(name) ? "--set: "
        : checked.source == null ? ""
        : checked.source + (checked.lines.containsKey(name) ? ":" + checked.lines.get(name) : "")
            + (checked.emptySource ? " (the file is empty)" : "") + ": ");
    return c;
  }

  /**
   * A copy whose file references are absolute, so the run finds them again when resumed from
   * another directory: a model, tokenizer, template or dataset path that exists relative to the
   * working directory, else relative to {@code configDir} (the YAML file's folder; may be
   * null), becomes absolute; names that are no file (workbench datasets and models) stay.
   */
  public TrainConfig resolvePaths(Path configDir) {
    Map<String, Object> v = new LinkedHashMap<>(values);
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
    return new TrainConfig(kind, v);
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
  private void validate(java.util.function.Function<String, String> whereOf) {
    java.util.function.BiConsumer<String, String> bad = (name, why) -> {
      throw new TemperException(whereOf.apply(name) + "field '" + name + "' " + why);
    };
    for (String name : List.of(BATCH_SIZE, EVAL_BATCH_SIZE, GRAD_ACCUM, EPOCHS, MAX_SEQ_LENGTH,
        LOGGING_STEPS, LORA_RANK)) {
      if ((Integer) values.get(name) <= 0) {
        bad.accept(name, "must be positive, got " + values.get(name));
      }
    }
    if (maxTrainSteps() != null && maxTrainSteps() <= 0) {
      bad.accept(MAX_TRAIN_STEPS, "must be positive");
    }
    if (learningRate() <= 0) {
      bad.accept(LEARNING_RATE, "must be positive");
    }
    if (warmupRatio() < 0 || warmupRatio() >= 1) {
      bad.accept(WARMUP_RATIO, "must be in [0, 1)");
    }
    if (evalFraction() < 0 || evalFraction() >= 1) {
      bad.accept(EVAL_FRACTION, "must be in [0, 1)");
    }
    if (labelSmoothing() < 0 || labelSmoothing() >= 0.5) {
      bad.accept(LABEL_SMOOTHING, "must be in [0, 0.5)");
    }
    if (loraDropout() < 0 || loraDropout() >= 1) {
      bad.accept(LORA_DROPOUT, "must be in [0, 1)");
    }
    if (adamBeta1() < 0 || adamBeta1() >= 1) {
      bad.accept(ADAM_BETA1, "must be in [0, 1)");
    }
    if (adamBeta2() < 0 || adamBeta2() >= 1) {
      bad.accept(ADAM_BETA2, "must be in [0, 1)");
    }
    if (evalSteps() < 0) {
      bad.accept(EVAL_STEPS, "must not be negative");
    }
    if (saveSteps() < 0) {
      bad.accept(SAVE_STEPS, "must not be negative");
    }
    if (warmupSteps() < 0) {
      bad.accept(WARMUP_STEPS, "must not be negative");
    }
    if (maxPromptLength() != null && maxPromptLength() <= 0) {
      bad.accept(MAX_PROMPT_LENGTH, "must be positive");
    }
    for (String m : loraTargetModules()) {
      if (!LORA_MODULES.contains(m)) {
        bad.accept(LORA_TARGETS, "has an unknown module '" + m + "' (choose from "
            + String.join(", ", LORA_MODULES) + ")");
      }
    }
    if (useLora() && loraTargetModules().isEmpty()) {
      bad.accept(LORA_TARGETS, "must name at least one module when use_lora is true");
    }
    if (modelNameOrPath() == null && kind != TrainKind.PRETRAIN) {
      bad.accept(MODEL, "is required for " + kind.id()
          + " (only pretraining starts from scratch)");
    }
    if (RL.contains(kind)) {
      for (String name : List.of(RL_PROMPTS, RL_SAMPLES, RESPONSE_LENGTH, RL_EPOCHS,
          RL_MINI_BATCHES)) {
        if ((Integer) values.get(name) <= 0) {
          bad.accept(name, "must be positive, got " + values.get(name));
        }
      }
      if (kind == TrainKind.GRPO && (Integer) values.get(RL_SAMPLES) < 2) {
        bad.accept(RL_SAMPLES, "must be at least 2 for grpo: advantages compare the samples of"
            + " a prompt with each other (got " + values.get(RL_SAMPLES) + ")");
      }
      if ((Integer) values.get(RL_MINI_BATCHES)
          > (Integer) values.get(RL_PROMPTS) * (Integer) values.get(RL_SAMPLES)) {
        bad.accept(RL_MINI_BATCHES, "exceeds the completions per rollout batch");
      }
      if ((Double) values.get(TEMPERATURE) <= 0) {
        bad.accept(TEMPERATURE, "must be positive: rollouts are sampled");
      }
      if ((Double) values.get(CLIP_LOWER) < 0 || (Double) values.get(CLIP_LOWER) >= 1) {
        bad.accept(CLIP_LOWER, "must be in [0, 1)");
      }
      if ((Double) values.get(CLIP_HIGHER) < 0) {
        bad.accept(CLIP_HIGHER, "must not be negative");
      }
      if (beta() < 0) {
        bad.accept(BETA, "must not be negative");
      }
      if (!(Boolean) values.get(APPLY_VERIFIABLE) && values.get(REWARD_MODEL) == null) {
        bad.accept(APPLY_VERIFIABLE, "is false and no reward_model_path is given: nothing "
            + "rewards the completions");
      }
    }
    if (modelNameOrPath() == null && useLora()) {
      bad.accept(USE_LORA, "needs a base model: a model created from scratch trains all weights");
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

  public TrainKind kind() {
    return kind;
  }

  public Object get(String name) {
    field(name);
    return values.get(name);
  }

  /** All values by field name. */
  public Map<String, Object> values() {
    return values;
  }

  public String modelNameOrPath() {
    return (String) values.get(MODEL);
  }

  public String tokenizerName() {
    return (String) values.get(TOKENIZER);
  }

  public String chatTemplateName() {
    return (String) values.get(CHAT_TEMPLATE);
  }

  public int warmupSteps() {
    return (Integer) values.get(WARMUP_STEPS);
  }

  public Integer maxPromptLength() {
    return (Integer) values.get(MAX_PROMPT_LENGTH);
  }

  public boolean addBos() {
    return (Boolean) values.get(ADD_BOS);
  }

  /** resume_from_checkpoint: null, "true" (newest in output_dir) or a checkpoint folder. */
  public String resumeFromCheckpoint() {
    String s = (String) values.get(RESUME);
    return s == null || s.equalsIgnoreCase("false") ? null : s;
  }

  public String modelSize() {
    return (String) values.get(MODEL_SIZE);
  }

  public double initializerRange() {
    return (Double) values.get(INIT_RANGE);
  }

  public String runName() {
    return (String) values.get(RUN_NAME);
  }

  public String outputDir() {
    return (String) values.get(OUTPUT_DIR);
  }

  /** The suite each saved checkpoint is evaluated on; null for none. */
  public String evalSuite() {
    return (String) values.get(EVAL_SUITE);
  }

  public int seed() {
    return (Integer) values.get(SEED);
  }

  public DatasetMix datasetMixerList() {
    return (DatasetMix) values.get(MIXER_LIST);
  }

  public DatasetMix datasetMixerEvalList() {
    return (DatasetMix) values.get(EVAL_MIXER_LIST);
  }

  public double evalFraction() {
    return (Double) values.get(EVAL_FRACTION);
  }

  public int maxSeqLength() {
    return (Integer) values.get(MAX_SEQ_LENGTH);
  }

  public boolean saveOnlyModel() {
    return (Boolean) values.get(SAVE_ONLY_MODEL);
  }

  public boolean gradientCheckpointing() {
    return (Boolean) values.get(GRADIENT_CHECKPOINTING);
  }

  public boolean packing() {
    return (Boolean) values.get(PACKING);
  }

  public double learningRate() {
    return (Double) values.get(LEARNING_RATE);
  }

  public int numTrainEpochs() {
    return (Integer) values.get(EPOCHS);
  }

  public Integer maxTrainSteps() {
    return (Integer) values.get(MAX_TRAIN_STEPS);
  }

  public int batchSize() {
    return (Integer) values.get(BATCH_SIZE);
  }

  public int evalBatchSize() {
    return (Integer) values.get(EVAL_BATCH_SIZE);
  }

  public int gradientAccumulationSteps() {
    return (Integer) values.get(GRAD_ACCUM);
  }

  public double weightDecay() {
    return (Double) values.get(WEIGHT_DECAY);
  }

  public double adamBeta1() {
    return (Double) values.get(ADAM_BETA1);
  }

  public double adamBeta2() {
    return (Double) values.get(ADAM_BETA2);
  }

  public double adamEpsilon() {
    return (Double) values.get(ADAM_EPSILON);
  }

  public double maxGradNorm() {
    return (Double) values.get(MAX_GRAD_NORM);
  }

  public String lrSchedulerType() {
    return (String) values.get(SCHEDULER);
  }

  public double warmupRatio() {
    return (Double) values.get(WARMUP_RATIO);
  }

  public int loggingSteps() {
    return (Integer) values.get(LOGGING_STEPS);
  }

  public int evalSteps() {
    return (Integer) values.get(EVAL_STEPS);
  }

  public int saveSteps() {
    return (Integer) values.get(SAVE_STEPS);
  }

  public double beta() {
    return (Double) values.get(BETA);
  }

  public String lossType() {
    return (String) values.get(LOSS_TYPE);
  }

  public double labelSmoothing() {
    return (Double) values.get(LABEL_SMOOTHING);
  }

  public double simpoGammaBetaRatio() {
    return (Double) values.get(SIMPO_RATIO);
  }

  public double margin() {
    return (Double) values.get(MARGIN);
  }

  public double centerRewardsCoefficient() {
    return (Double) values.get(CENTER_REWARDS);
  }

  /** The reinforcement-learning settings (grpo, ppo). */
  public RlSettings rl() {
    return new RlSettings((Integer) values.get(RL_PROMPTS), (Integer) values.get(RL_SAMPLES),
        (Integer) values.get(RESPONSE_LENGTH), (Double) values.get(TEMPERATURE),
        stringList(STOP_STRINGS), (String) values.get(KL_ESTIMATOR),
        (Double) values.get(CLIP_LOWER), (Double) values.get(CLIP_HIGHER),
        (Integer) values.get(RL_EPOCHS), (Integer) values.get(RL_MINI_BATCHES),
        (String) values.get(ADVANTAGE_NORM), (Boolean) values.get(APPLY_VERIFIABLE),
        (Double) values.get(VERIFICATION_REWARD), (String) values.get(REWARD_MODEL),
        (Boolean) values.get(NON_STOP_PENALTY), (Double) values.get(NON_STOP_PENALTY_VALUE),
        (String) values.get(VALUE_MODEL), (Double) values.get(VF_COEF),
        (Double) values.get(CLIPRANGE_VALUE), (Double) values.get(GAMMA),
        (Double) values.get(LAM), beta());
  }

  @SuppressWarnings("unchecked")
  private List<String> stringList(String name) {
    return (List<String>) values.get(name);
  }

  public boolean useLora() {
    return (Boolean) values.get(USE_LORA);
  }

  public int loraRank() {
    return (Integer) values.get(LORA_RANK);
  }

  public double loraAlpha() {
    return (Double) values.get(LORA_ALPHA);
  }

  public double loraDropout() {
    return (Double) values.get(LORA_DROPOUT);
  }

  @SuppressWarnings("unchecked")
  public List<String> loraTargetModules() {
    return (List<String>) values.get(LORA_TARGETS);
  }

  private static ConfigField f(String name, Type type, Object dflt, boolean nullable,
      Set<TrainKind> kinds, String group, String doc) {
    return new ConfigField(name, type, dflt, nullable, null, kinds, group, doc);
  }

  private static ConfigField choice(String name, String dflt, List<String> choices,
      Set<TrainKind> kinds, String group, String doc) {
    return new ConfigField(name, CHOICE, dflt, false, choices, kinds, group, doc);
  }
}
