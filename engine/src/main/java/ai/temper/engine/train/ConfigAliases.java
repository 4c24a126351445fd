package ai.temper.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The other spellings open-instruct and TRL use for Temper's config fields, and the fields of
 * their configs that have no effect here. Each field has one canonical name (the one
 * {@code temper train fields} lists first); an alias is read as its canonical field, with the
 * value converted where the two trainers encode it differently (TRL's {@code max_steps: -1}
 * means "derive from epochs", open-instruct's {@code clip_grad_norm: -1} means "no
 * clipping"). Ignored fields are accepted so real configs load unchanged; the loader notes
 * each one with the reason.
 */
public final class ConfigAliases {
  private ConfigAliases() {}

  /** An alias: its name, the canonical field, whose spelling it is, and a note. */
  public record Alias(String name, String canonical, String source, String note) {}

  private static final Map<String, Alias> ALIASES = new LinkedHashMap<>();
  private static final Map<String, String> IGNORED = new LinkedHashMap<>();

  private static void alias(String name, String canonical, String source, String note) {
    ALIASES.put(name, new Alias(name, canonical, source, note));
  }

  private static void ignore(String reason, String... names) {
    for (String n : names) {
      IGNORED.put(n, reason);
    }
  }

  static {
    alias("max_length", TrainConfig.MAX_SEQ_LENGTH, "TRL", "");
    alias("max_steps", TrainConfig.MAX_TRAIN_STEPS, "TRL", "-1 or 0: derive from epochs");
    alias("clip_grad_norm", TrainConfig.MAX_GRAD_NORM, "open-instruct", "-1: no clipping");
    alias("checkpointing_steps", TrainConfig.SAVE_STEPS, "open-instruct",
        "'epoch' saves at the end only");
    alias("exp_name", TrainConfig.RUN_NAME, "open-instruct", "");
    alias("tokenizer_name_or_path", TrainConfig.TOKENIZER, "open-instruct", "");
    alias("gamma_beta_ratio", TrainConfig.SIMPO_RATIO, "open-instruct", "");
    alias("dpo_beta", TrainConfig.BETA, "open-instruct (older scripts)", "");
    alias("dpo_loss_type", TrainConfig.LOSS_TYPE, "open-instruct (older scripts)", "");
    alias("dpo_label_smoothing", TrainConfig.LABEL_SMOOTHING,
        "open-instruct (older scripts)", "");
    alias("num_epochs", TrainConfig.EPOCHS, "open-instruct (DPO scripts)", "");
    alias("max_token_length", TrainConfig.MAX_SEQ_LENGTH, "open-instruct (reward modeling)", "");
    alias("max_prompt_token_length", TrainConfig.MAX_PROMPT_LENGTH,
        "open-instruct (reward modeling)", "");
    alias("lora_r", TrainConfig.LORA_RANK, "TRL / PEFT", "");
    alias("use_peft", TrainConfig.USE_LORA, "TRL", "");
    alias("dataset_name", TrainConfig.MIXER_LIST, "TRL", "one dataset, all of it");
    alias("dataset_mixer", TrainConfig.MIXER_LIST, "open-instruct (older scripts)",
        "{name: amount} becomes [name, amount, ...]");

    ignore("hardware and precision settings: the device is --device, the compute precision "
        + "--precision or bf16 / fp16", "use_flash_attn", "attn_implementation", "tf32", "torch_dtype", "dtype",
        "gradient_checkpointing_kwargs", "use_liger_kernel",
        "use_liger", "use_8bit_optimizer", "low_cpu_mem_usage", "fused_optimizer",
        "deepspeed", "fsdp", "fsdp_config", "ddp_timeout", "ddp_find_unused_parameters",
        "local_rank", "sync_each_batch", "timeout", "padding_free", "load_balancing_loss",
        "load_balancing_weight", "activation_memory_budget");
    ignore("quantisation is not available: LoRA trains on float32 weights", "use_qlora",
        "load_in_4bit", "load_in_8bit");
    ignore("loading options of the Python stack: Temper reads local files, its model library "
        + "and its own datasets", "use_slow_tokenizer", "use_fast_tokenizer",
        "trust_remote_code", "model_revision", "tokenizer_revision", "preprocessing_num_workers",
        "dataloader_num_workers", "dataset_num_proc", "remove_unused_columns",
        "dataset_local_cache_dir", "dataset_cache_mode", "dataset_skip_cache",
        "dataset_config_hash", "dataset_mix_dir", "dataset_transform_fn",
        "dataset_target_columns", "dataset_mixer_list_splits", "dataset_mixer_eval_list_splits",
        "dataset_train_split", "dataset_test_split", "dataset_config", "dataset_text_field",
        "cache_dataset_only");
    ignore("tracking and publishing: Temper records every run, its metrics and checkpoints in "
        + "its own database", "report_to", "with_tracking", "wandb_project_name",
        "wandb_entity", "wandb_project", "logging_dir", "push_to_hub", "hub_model_id",
        "hub_strategy", "hub_private_repo", "hf_entity", "hf_repo_id", "hf_repo_revision",
        "hf_metadata_dataset", "try_launch_beaker_eval_jobs", "try_auto_save_to_beaker",
        "oe_eval_tasks", "oe_eval_max_length", "save_to_hub", "hub_token",
        "overwrite_output_dir", "keep_last_n_checkpoints", "clean_checkpoints_at_end",
        "save_total_limit", "run_name_suffix", "add_seed_and_date_to_exp_name");
    ignore("Temper evaluates every eval_steps, logs every logging_steps and saves every "
        + "save_steps", "save_strategy", "eval_strategy", "evaluation_strategy",
        "logging_strategy", "logging_first_step", "do_train", "do_eval");
    ignore("Temper always caches the reference log-probs before the first step",
        "precompute_ref_log_probs", "concatenated_forward", "ref_model_init_kwargs",
        "packing_samples_into_one");
    ignore("the loss is the mean over the batch's target tokens (open-instruct's 'mean')",
        "reduce_loss");
    ignore("completions are cut by max_seq_length", "max_completion_length");
    ignore("the tokenizer's own special tokens are used", "eos_token", "pad_token",
        "chat_template_path");
    ignore("Temper masks the prompt and trains on assistant turns (TRL's defaults for chat "
        + "data)", "completion_only_loss", "assistant_only_loss");
  }

  /** The canonical name of {@code name} (itself when it is no alias). */
  public static String canonical(String name) {
    Alias a = ALIASES.get(name);
    return a == null ? name : a.canonical();
  }

  public static boolean isAlias(String name) {
    return ALIASES.containsKey(name);
  }

  /** Why an ignored field has no effect; null when the field is not ignored. */
  public static String ignoredReason(String name) {
    return IGNORED.get(name);
  }

  /** Every alias, in a stable order. */
  public static List<Alias> aliases() {
    return List.copyOf(ALIASES.values());
  }

  /** The aliases of one canonical field. */
  public static List<Alias> aliasesOf(String canonical) {
    return ALIASES.values().stream().filter(a -> a.canonical().equals(canonical)).toList();
  }

  /** Ignored fields and why. */
  public static Map<String, String> ignored() {
    return java.util.Collections.unmodifiableMap(IGNORED);
  }

  /** Every name a config may use: aliases and ignored fields (canonical ones not included). */
  static List<String> otherNames() {
    List<String> out = new java.util.ArrayList<>(ALIASES.keySet());
    out.addAll(IGNORED.keySet());
    return out;
  }

  /** A value given under {@code name} as the canonical field reads it. */
  static JsonNode convert(String name, JsonNode v) {
    if (v == null) {
      return null;
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (name) {
      case "max_steps":
        if (v.isNumber() && v.asDouble() <= 0) {
          return NullNode.getInstance();
        }
        break;
      case "clip_grad_norm":
        if (v.isNumber() && v.asDouble() < 0) {
          return f.numberNode(0.0);
        }
        break;
      case "checkpointing_steps":
        if (v.isTextual() && v.asText().strip().equals("epoch")) {
          return f.numberNode(0);
        }
        break;
      case "dataset_name":
        if (v.isTextual()) {
          ArrayNode a = f.arrayNode();
          a.add(v.asText());
          a.add(1.0);
          return a;
        }
        break;
      case "dataset_mixer":
        if (v.isObject()) {
          ArrayNode a = f.arrayNode();
          v.fields().forEachRemaining(e -> {
            a.add(e.getKey());
            a.add(e.getValue());
          });
          return a;
        }
        break;
      default:
        break;
    }
    String canonical = canonical(name);
    if (v.isTextual()) {
      String other = valueAlias(canonical, v.asText());
      if (!other.equals(v.asText())) {
        return f.textNode(other);
      }
    }
    return v;
  }

  /** Another trainer's name for a choice: TRL's loss_type sigmoid is dpo, ... */
  static String valueAlias(String canonical, String value) {
    String s = value.strip();
    if (canonical.equals(TrainConfig.LOSS_TYPE) && s.equals("sigmoid")) {
      return "dpo";
    }
    if (canonical.equals(TrainConfig.SCHEDULER) && s.equals("constant_with_warmup")) {
      return "constant";
    }
    return value;
  }
}
