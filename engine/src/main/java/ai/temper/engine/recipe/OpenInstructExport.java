package ai.temper.engine.recipe;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.recipe.Recipe.Stage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a recipe as an open-instruct launch: each SFT, DPO and GRPO stage becomes one command
 * of {@code launch.sh} ({@code open_instruct/finetune.py}, {@code dpo_tune_cache.py},
 * {@code grpo_fast.py}) with the stage's explicit config fields mapped to open-instruct's flag
 * names, its local datasets copied to {@code data/} as JSON Lines, and each stage starting
 * from the previous stage's {@code output_dir}. Fields with no open-instruct flag are listed
 * as comments, as are stages open-instruct has no script for (pretrain, rm, ppo) and eval
 * stages. {@code ${home}} is the output folder; generate stages are run into it.
 */
public final class OpenInstructExport {
  private static final ObjectMapper JSON = Json.MAPPER;

  /** Temper field -> open-instruct flag where the names differ, per script. */
  static final Map<String, Map<String, String>> RENAMES = Map.of(
      "sft", Map.of("save_steps", "checkpointing_steps"),
      "dpo", Map.of("save_steps", "checkpointing_steps", "beta", "dpo_beta",
          "loss_type", "dpo_loss_type"),
      "grpo", Map.of("save_steps", "save_freq", "max_seq_length", "max_prompt_token_length"));

  /** Temper fields that carry over under the same name, per script. */
  static final Map<String, List<String>> SAME = Map.of(
      "sft", List.of("model_name_or_path", "tokenizer_name", "chat_template_name",
          "dataset_mixer_list", "max_seq_length", "learning_rate", "num_train_epochs",
          "max_train_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
          "weight_decay", "lr_scheduler_type", "warmup_ratio", "logging_steps", "seed",
          "use_lora", "lora_rank", "lora_alpha", "lora_dropout", "output_dir"),
      "dpo", List.of("model_name_or_path", "tokenizer_name", "chat_template_name",
          "dataset_mixer_list", "max_seq_length", "learning_rate", "num_train_epochs",
          "max_train_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
          "weight_decay", "lr_scheduler_type", "warmup_ratio", "logging_steps", "seed",
          "use_lora", "lora_rank", "lora_alpha", "lora_dropout", "output_dir"),
      "grpo", List.of("model_name_or_path", "dataset_mixer_list", "dataset_mixer_eval_list",
          "learning_rate", "lr_scheduler_type", "seed", "num_unique_prompts_rollout",
          "num_samples_per_prompt_rollout", "response_length", "temperature", "beta",
          "kl_estimator", "clip_lower", "clip_higher", "num_epochs", "num_mini_batches",
          "verification_reward", "advantage_normalization_type", "output_dir"));

  static final Map<String, String> SCRIPTS = Map.of("sft", "open_instruct/finetune.py",
      "dpo", "open_instruct/dpo_tune_cache.py", "grpo", "open_instruct/grpo_fast.py");

  /** One exported command: the script and its flags in order. */
  public record Command(String stage, String script, Map<String, String> flags,
      List<String> notCarried) {}

  public record Result(Path launchScript, List<Command> commands, List<Path> datasets) {}

  private OpenInstructExport() {}

  public static Result write(Recipe recipe, Path out) throws IOException {
    Files.createDirectories(out.resolve("data"));
    String home = out.toAbsolutePath().normalize().toString();
    StringBuilder sh = new StringBuilder("#!/usr/bin/env bash\n# Recipe " + recipe.name()
        + " exported for open-instruct (run from an open-instruct checkout).\n"
        + "# Multi-GPU: set NUM_PROCESSES and the DeepSpeed config below.\nset -euo pipefail\n"
        + "OUT=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\nNUM_PROCESSES=${NUM_PROCESSES:-8}\n"
        + "DS_CONFIG=${DS_CONFIG:-configs/ds_configs/stage3_no_offloading_accelerate.conf}\n");
    List<Command> commands = new ArrayList<>();
    List<Path> datasets = new ArrayList<>();
    String previous = null;
    if (recipe.base() != null) {
      sh.append("# the recipe's base (a Temper library model): export it as a Hugging Face "
          + "folder first\n# (temper convert), then point BASE_MODEL at it\nBASE_MODEL=${"
          + "BASE_MODEL:-").append(recipe.base()).append("}\n");
      previous = "$BASE_MODEL";
    }
    for (Stage s : recipe.stages()) {
      String a = s.algorithm();
      if (writesWorld(s, home)) {
        continue;
      }
      if (!SCRIPTS.containsKey(a)) {
        previous = notExported(sh, s, "open-instruct has no script for it", previous);
        continue;
      }
      JsonNode config = configNode(recipe, s, home);
      Map<String, String> flags = new LinkedHashMap<>();
      List<String> dropped = new ArrayList<>();
      if (!config.has("model_name_or_path") && previous != null) {
        flags.put("model_name_or_path", previous);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String field = e.getKey();
        String flag = RENAMES.get(a).getOrDefault(field,
            SAME.get(a).contains(field) ? field : null);
        if (flag == null) {
          dropped.add(field);
          continue;
        }
        if (field.endsWith("mixer_list")) {
          flags.put(flag, mixer(e.getValue(), a, out, datasets));
        } else {
          flags.put(flag, e.getValue().asText());
        }
      }
      if (a.equals("grpo")) {
        flags.put("apply_verifiable_reward", "true");
        if (config.has("max_train_steps")) { // grpo_fast counts episodes, not steps
          long episodes = config.get("max_train_steps").asLong()
              * config.path("num_unique_prompts_rollout").asLong(8)
              * config.path("num_samples_per_prompt_rollout").asLong(8);
          flags.put("total_episodes", Long.toString(episodes));
          dropped.remove("max_train_steps");
        }
      }
      flags.put("output_dir", "$OUT/output/" + s.name());
      previous = "$OUT/output/" + s.name();
      commands.add(new Command(s.name(), SCRIPTS.get(a), flags, dropped));
      sh.append("\n# stage ").append(s.name()).append(" (").append(a).append(")\n");
      if (!dropped.isEmpty()) {
        sh.append("# not carried over (no open-instruct flag): ")
            .append(String.join(", ", dropped)).append('\n');
      }
      sh.append(a.equals("grpo") ? "python " : "accelerate launch --mixed_precision bf16 "
          + "--num_processes $NUM_PROCESSES --use_deepspeed --deepspeed_config_file $DS_CONFIG ")
          .append(SCRIPTS.get(a));
      flags.forEach((k, v) -> sh.append(" \\\n    --").append(k).append(' ').append(v));
      sh.append('\n');
    }
    Path launch = out.resolve("launch.sh");
    Files.writeString(launch, sh, StandardCharsets.UTF_8);
    launch.toFile().setExecutable(true);
    return new Result(launch, commands, datasets);
  }

  /** A generate stage writes the starter world now (the exported data needs it); true if so. */
  static boolean writesWorld(Stage s, String home) throws IOException {
    if (!s.algorithm().equals("generate")) {
      return false;
    }
    Path dir = Path.of(s.node().path("out").asText("${home}/world").replace("${home}", home));
    StoryWorld.writeStarter(dir, s.node().path("seed").asLong(7));
    return true;
  }

  /**
   * A stage the target trainer does not run: a comment in the launch script saying so
   * ({@code why}, unless it is an evaluation). Returns where later stages find the model.
   */
  static String notExported(StringBuilder sh, Stage s, String why, String previous) {
    String a = s.algorithm();
    sh.append("\n# stage ").append(s.name()).append(" (").append(a).append("): ")
        .append(a.equals("eval") ? "evaluate the checkpoints with Temper (temper eval)"
            : why + "; run it with Temper").append('\n');
    // later stages expect a pretrain or ppo stage's checkpoint here
    return a.equals("pretrain") || a.equals("ppo") ? "$OUT/output/" + s.name() : previous;
  }

  static JsonNode configNode(Recipe recipe, Stage s, String home) throws IOException {
    JsonNode c = s.node().get("config");
    String text = c.isTextual()
        ? Files.readString(recipe.dir().resolve(c.asText()), StandardCharsets.UTF_8)
        : Recipe.YAML.writeValueAsString(c);
    JsonNode tree = Recipe.YAML.readTree(text.replace("${home}", home));
    if (tree == null || !tree.isObject()) {
      throw new TemperException(recipe.file() + ": stage '" + s.name() + "': config is not a "
          + "mapping");
    }
    return tree;
  }

  /** Copies local JSONL sources into data/, checking each row's format; returns the flag. */
  private static String mixer(JsonNode list, String algorithm, Path out, List<Path> datasets)
      throws IOException {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i + 1 < list.size(); i += 2) {
      String src = list.get(i).asText();
      Path p = Path.of(src);
      if (Files.isRegularFile(p)) {
        Path dest = out.resolve("data").resolve(algorithm + "-" + p.getFileName());
        int line = 0;
        for (String row : Files.readAllLines(p, StandardCharsets.UTF_8)) {
          line++;
          if (!row.isBlank()) {
            checkRow(JSON.readTree(row), algorithm, p + ":" + line);
          }
        }
        Files.copy(p, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        datasets.add(dest);
        parts.add("$OUT/data/" + dest.getFileName());
      } else {
        parts.add(src); // a Hub dataset name
      }
      parts.add(list.get(i + 1).asText());
    }
    return String.join(" ", parts);
  }

  /** The row layout each open-instruct script reads. */
  static void checkRow(JsonNode row, String algorithm, String where) {
    boolean ok = switch (algorithm) {
      case "sft" -> row.path("messages").isArray();
      case "dpo" -> row.path("chosen").isArray() && row.path("rejected").isArray();
      case "grpo" -> row.path("messages").isArray() && row.has("ground_truth")
          && row.path("dataset").isTextual();
      default -> true;
    };
    if (!ok) {
      throw new TemperException(where + ": not an open-instruct " + algorithm + " row ("
          + switch (algorithm) {
            case "sft" -> "messages";
            case "dpo" -> "chosen, rejected";
            default -> "messages, ground_truth, dataset";
          } + ")");
    }
  }
}
