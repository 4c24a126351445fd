package ai.temper.engine.recipe;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.recipe.Recipe.Stage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a recipe as a TRL launch: each SFT, DPO and GRPO stage becomes one {@code trl sft},
 * {@code trl dpo} or {@code trl grpo} command of {@code launch.sh} (TRL's CLI, which starts
 * the script under {@code accelerate launch}; {@code --accelerate_config zero3} and
 * {@code --num_processes} go to accelerate). The stage's explicit config fields are mapped to
 * the flags of TRL's {@code SFTConfig}, {@code DPOConfig}, {@code GRPOConfig} (all
 * {@code transformers.TrainingArguments}) and {@code ModelConfig}; its local datasets are
 * mixed into {@code data/STAGE/train.jsonl} in the layout TRL reads (SFT: prompt/completion
 * when every row is one prompt and one answer, else messages; DPO: prompt, chosen, rejected
 * with the prompt split off; GRPO: prompt plus the verifier columns) and each row is checked.
 * GRPO's verifiable reward is {@code rewards.py} next to the script (the IFEval-style
 * constraints the data uses), loaded with {@code --reward_funcs rewards.verifiable_reward}.
 * Fields with no TRL flag are listed as comments, as are stages TRL's CLI has no command for
 * here (pretrain, rm, ppo) and eval stages. {@code ${home}} is the output folder.
 */
public final class TrlExport {
  private static final ObjectMapper JSON = Json.MAPPER;

  /** Temper field -> TRL flag, for fields every command takes (TrainingArguments, ModelConfig). */
  static final Map<String, String> COMMON = Map.ofEntries(
      Map.entry("model_name_or_path", "model_name_or_path"),
      Map.entry("learning_rate", "learning_rate"),
      Map.entry("num_train_epochs", "num_train_epochs"),
      Map.entry("max_train_steps", "max_steps"),
      Map.entry("per_device_train_batch_size", "per_device_train_batch_size"),
      Map.entry("per_device_eval_batch_size", "per_device_eval_batch_size"),
      Map.entry("gradient_accumulation_steps", "gradient_accumulation_steps"),
      Map.entry("weight_decay", "weight_decay"),
      Map.entry("adam_beta1", "adam_beta1"),
      Map.entry("adam_beta2", "adam_beta2"),
      Map.entry("adam_epsilon", "adam_epsilon"),
      Map.entry("max_grad_norm", "max_grad_norm"),
      Map.entry("lr_scheduler_type", "lr_scheduler_type"),
      // transformers 5 takes a ratio as a float warmup_steps below 1 (warmup_ratio deprecated)
      Map.entry("warmup_ratio", "warmup_steps"),
      Map.entry("warmup_steps", "warmup_steps"),
      Map.entry("logging_steps", "logging_steps"),
      Map.entry("save_steps", "save_steps"),
      Map.entry("save_only_model", "save_only_model"),
      Map.entry("seed", "seed"),
      Map.entry("run_name", "run_name"),
      Map.entry("use_lora", "use_peft"),
      Map.entry("lora_rank", "lora_r"),
      Map.entry("lora_alpha", "lora_alpha"),
      Map.entry("lora_dropout", "lora_dropout"),
      Map.entry("lora_target_modules", "lora_target_modules"));

  /** Temper field -> TRL flag, per command, on top of {@link #COMMON}. */
  static final Map<String, Map<String, String>> OWN = Map.of(
      "sft", Map.of("max_seq_length", "max_length", "packing", "packing",
          "chat_template_name", "chat_template_path"),
      "dpo", Map.of("max_seq_length", "max_length", "beta", "beta", "loss_type", "loss_type",
          "label_smoothing", "label_smoothing"),
      "grpo", Map.of("num_samples_per_prompt_rollout", "num_generations",
          "response_length", "max_completion_length", "temperature", "temperature",
          "beta", "beta", "clip_lower", "epsilon", "clip_higher", "epsilon_high",
          "num_epochs", "num_iterations", "advantage_normalization_type", "scale_rewards"));

  /** Temper DPO loss -> TRL DPOConfig loss_type (simpo is TRL's CPO trainer: not carried). */
  static final Map<String, String> DPO_LOSSES = Map.of("dpo", "sigmoid", "dpo_norm",
      "sigmoid_norm", "ipo", "ipo", "hinge", "hinge", "robust", "robust", "wpo", "sigmoid");

  /** Verifier functions rewards.py implements (Temper's semantics, open-instruct's names). */
  static final Set<String> REWARD_FUNCS = Set.of("verify_keywords", "validate_forbidden_words",
      "validate_choice", "validate_end");

  /** One exported command: TRL's subcommand and its flags in order. */
  public record Command(String stage, String command, Map<String, String> flags,
      List<String> notCarried) {}

  public record Result(Path launchScript, List<Command> commands, List<Path> datasets) {}

  private TrlExport() {}

  public static Result write(Recipe recipe, Path out) throws IOException {
    Files.createDirectories(out.resolve("data"));
    String home = out.toAbsolutePath().normalize().toString();
    StringBuilder sh = new StringBuilder("#!/usr/bin/env bash\n# Recipe " + recipe.name()
        + " exported for TRL (pip install trl; each trl command runs its script under "
        + "accelerate launch).\n# Multi-GPU: NUM_PROCESSES (GPUs) and ACCELERATE_CONFIG (a file "
        + "or one of TRL's: zero1, zero2, zero3, fsdp2, multi_gpu, single_gpu).\n"
        + "set -euo pipefail\nOUT=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n"
        + "cd \"$OUT\"  # trl grpo imports rewards.py from the working directory\n"
        + "NUM_PROCESSES=${NUM_PROCESSES:-8}\nACCELERATE_CONFIG=${ACCELERATE_CONFIG:-zero3}\n");
    if (recipe.base() != null) {
      sh.append("# the recipe's base (a Temper library model): export it as a Hugging Face "
          + "folder first\n# (temper convert), then point BASE_MODEL at it\nBASE_MODEL=${"
          + "BASE_MODEL:-").append(recipe.base()).append("}\n");
    }
    List<Command> commands = new ArrayList<>();
    List<Path> datasets = new ArrayList<>();
    String previous = recipe.base() == null ? null : "$BASE_MODEL";
    boolean rewards = false;
    for (Stage s : recipe.stages()) {
      String a = s.algorithm();
      if (OpenInstructExport.writesWorld(s, home)) {
        continue;
      }
      if (!OWN.containsKey(a)) {
        previous = OpenInstructExport.notExported(sh, s, "not exported to TRL", previous);
        continue;
      }
      JsonNode config = OpenInstructExport.configNode(recipe, s, home);
      Map<String, String> flags = new LinkedHashMap<>();
      List<String> dropped = new ArrayList<>();
      if (!config.has("model_name_or_path") && previous != null) {
        flags.put("model_name_or_path", previous);
      }
      String data = null;
      for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String field = e.getKey();
        JsonNode v = e.getValue();
        if (field.equals("dataset_mixer_list")) {
          data = mixture(v, a, s.name(), out, datasets);
          continue;
        }
        String flag = OWN.get(a).getOrDefault(field, COMMON.get(field));
        if (flag == null || (a.equals("dpo") && field.equals("loss_type")
            && !DPO_LOSSES.containsKey(v.asText())) || (field.equals("warmup_ratio")
            && config.path("warmup_steps").asDouble() > 0)) {
          dropped.add(field);
          continue;
        }
        String value = v.isArray() ? join(v) : v.asText();
        switch (field) {
          case "loss_type" -> {
            value = DPO_LOSSES.get(value);
            if (v.asText().equals("wpo")) {
              flags.put("use_weighting", "true");
            }
          }
          case "warmup_ratio" -> value = Double.toString(v.asDouble());
          case "advantage_normalization_type" -> value = value.equals("centered") ? "none"
              : "group";
          case "chat_template_name" -> value = template(value, out);
          default -> { }
        }
        flags.put(flag, value);
      }
      if (data == null) {
        throw new TemperException(recipe.file() + ": stage '" + s.name() + "': no "
            + "dataset_mixer_list to export");
      }
      flags.put("dataset_name", data);
      String env = "";
      if (a.equals("grpo")) {
        rewards = true;
        flags.put("reward_funcs", "rewards.verifiable_reward");
        // one rollout = prompts x samples completions, split into num_mini_batches steps
        long prompts = config.path("num_unique_prompts_rollout").asLong(8);
        long samples = config.path("num_samples_per_prompt_rollout").asLong(8);
        long mini = config.path("num_mini_batches").asLong(1);
        flags.put("num_generations", Long.toString(samples));
        flags.put("steps_per_generation", Long.toString(mini));
        flags.put("per_device_train_batch_size", "$(( " + (prompts * samples / mini)
            + " / NUM_PROCESSES ))");
        flags.put("gradient_accumulation_steps", "1");
        dropped.remove("per_device_train_batch_size");
        config.fieldNames().forEachRemaining(f -> {
          if (f.equals("num_unique_prompts_rollout") || f.equals("num_mini_batches")
              || f.equals("verification_reward")) {
            dropped.remove(f);
          }
        });
        env = "VERIFICATION_REWARD=" + config.path("verification_reward").asDouble(10.0) + " ";
      }
      flags.put("output_dir", "$OUT/output/" + s.name());
      previous = "$OUT/output/" + s.name();
      commands.add(new Command(s.name(), a, flags, dropped));
      sh.append("\n# stage ").append(s.name()).append(" (").append(a).append(")\n");
      if (!dropped.isEmpty()) {
        sh.append("# not carried over (no TRL flag): ").append(String.join(", ", dropped))
            .append('\n');
      }
      sh.append(env).append("trl ").append(a)
          .append(" --accelerate_config \"$ACCELERATE_CONFIG\" --num_processes \"$NUM_PROCESSES\"");
      flags.forEach((k, v) -> sh.append(" \\\n    --").append(k).append(' ')
          .append(v.startsWith("$(") ? "\"" + v + "\"" : v));
      sh.append('\n');
    }
    if (rewards) {
      try (InputStream in = TrlExport.class.getResourceAsStream("trl-rewards.py")) {
        Files.write(out.resolve("rewards.py"), in.readAllBytes());
      }
    }
    Path launch = out.resolve("launch.sh");
    Files.writeString(launch, sh, StandardCharsets.UTF_8);
    launch.toFile().setExecutable(true);
    return new Result(launch, commands, datasets);
  }

  private static String join(JsonNode list) {
    List<String> parts = new ArrayList<>();
    list.forEach(x -> parts.add(x.asText()));
    return String.join(" ", parts);
  }

  /** A built-in template name becomes a copied .jinja file; a file path is copied too. */
  private static String template(String name, Path out) throws IOException {
    Path dest = out.resolve("templates");
    Files.createDirectories(dest);
    Path src = Path.of(name);
    if (Files.isRegularFile(src)) {
      Files.copy(src, dest.resolve(src.getFileName()),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return "$OUT/templates/" + src.getFileName();
    }
    try (InputStream in = TrlExport.class.getResourceAsStream("/templates/" + name + ".jinja")) {
      if (in == null) {
        throw new TemperException("chat_template_name: '" + name + "' is neither a file nor a "
            + "built-in template");
      }
      Files.write(dest.resolve(name + ".jinja"), in.readAllBytes());
    }
    return "$OUT/templates/" + name + ".jinja";
  }

  /**
   * Mixes the local JSONL sources of a mixer list into {@code data/STAGE/train.jsonl} in TRL's
   * layout (a count takes that many rows, a fraction that share, in file order), checking
   * every row; returns the {@code dataset_name} flag (the folder, which
   * {@code datasets.load_dataset} reads as a "train" split). A Hub name alone is passed on.
   */
  private static String mixture(JsonNode list, String algorithm, String stage, Path out,
      List<Path> datasets) throws IOException {
    if (list.size() == 2 && !Files.isRegularFile(Path.of(list.get(0).asText()))) {
      return list.get(0).asText(); // a Hub dataset name
    }
    List<JsonNode> rows = new ArrayList<>();
    for (int i = 0; i + 1 < list.size(); i += 2) {
      Path p = Path.of(list.get(i).asText());
      if (!Files.isRegularFile(p)) {
        throw new TemperException(p + ": a mixture of local files and Hub datasets cannot be "
            + "exported to TRL's --dataset_name (mix them into one file first)");
      }
      List<JsonNode> src = new ArrayList<>();
      int line = 0;
      for (String row : Files.readAllLines(p, StandardCharsets.UTF_8)) {
        line++;
        if (!row.isBlank()) {
          String where = p + ":" + line;
          OpenInstructExport.checkRow(readRow(row, where), algorithm, where);
          src.add(convert(readRow(row, where), algorithm, where));
        }
      }
      double w = list.get(i + 1).asDouble();
      long take = w <= 1.0 && list.get(i + 1).asText().contains(".")
          ? Math.round(w * src.size()) : (long) w;
      for (int k = 0; k < take; k++) {
        rows.add(src.get(k % src.size()));
      }
    }
    boolean simple = algorithm.equals("sft") && rows.stream().allMatch(r -> r.has("completion"));
    Path dir = out.resolve("data").resolve(stage);
    Files.createDirectories(dir);
    Path dest = dir.resolve("train.jsonl");
    StringBuilder b = new StringBuilder();
    int n = 0;
    for (JsonNode r : rows) {
      n++;
      JsonNode row = r;
      if (algorithm.equals("sft") && !simple) {
        row = JSON.createObjectNode().set("messages", r.has("messages") ? r.get("messages")
            : concat(r.get("prompt"), r.get("completion")));
      }
      checkTrlRow(row, algorithm, dest + ":" + n);
      b.append(JSON.writeValueAsString(row)).append('\n');
    }
    Files.writeString(dest, b, StandardCharsets.UTF_8);
    datasets.add(dest);
    return "$OUT/data/" + stage;
  }

  private static JsonNode readRow(String row, String where) {
    try {
      return JSON.readTree(row);
    } catch (IOException e) {
      throw new TemperException(where + ": not valid JSON: " + e.getMessage());
    }
  }

  private static ArrayNode concat(JsonNode a, JsonNode b) {
    ArrayNode out = JSON.createArrayNode();
    a.forEach(out::add);
    b.forEach(out::add);
    return out;
  }

  /** One open-instruct row (already checked) in TRL's layout. */
  static JsonNode convert(JsonNode row, String algorithm, String where) {
    switch (algorithm) {
      case "sft" -> {
        JsonNode m = row.get("messages");
        int last = m.size() - 1;
        boolean oneAnswer = last >= 1 && m.get(last).path("role").asText().equals("assistant");
        for (int i = 0; i < last && oneAnswer; i++) {
          oneAnswer = !m.get(i).path("role").asText().equals("assistant");
        }
        if (!oneAnswer) {
          return JSON.createObjectNode().set("messages", m);
        }
        ObjectNode o = JSON.createObjectNode();
        ArrayNode prompt = o.putArray("prompt");
        for (int i = 0; i < last; i++) {
          prompt.add(m.get(i));
        }
        o.putArray("completion").add(m.get(last));
        return o;
      }
      case "dpo" -> {
        JsonNode c = row.get("chosen");
        JsonNode r = row.get("rejected");
        int k = 0;
        while (k < c.size() - 1 && k < r.size() - 1 && c.get(k).equals(r.get(k))) {
          k++;
        }
        if (k == 0) {
          throw new TemperException(where + ": chosen and rejected share no prompt turn");
        }
        ObjectNode o = JSON.createObjectNode();
        ArrayNode p = o.putArray("prompt");
        ArrayNode ch = o.putArray("chosen");
        ArrayNode rj = o.putArray("rejected");
        for (int i = 0; i < c.size(); i++) {
          (i < k ? p : ch).add(c.get(i));
        }
        for (int i = k; i < r.size(); i++) {
          rj.add(r.get(i));
        }
        return o;
      }
      default -> {
        JsonNode m = row.get("messages");
        ObjectNode o = JSON.createObjectNode();
        ArrayNode p = o.putArray("prompt");
        for (int i = 0; i < m.size(); i++) {
          boolean trailingAnswer = i == m.size() - 1 && i > 0
              && m.get(i).path("role").asText().equals("assistant");
          if (!trailingAnswer) {
            p.add(m.get(i));
          }
        }
        o.set("ground_truth", row.get("ground_truth"));
        o.set("dataset", row.get("dataset"));
        return o;
      }
    }
  }

  /** The layout TRL's trainers read, per command; a clear error naming the row otherwise. */
  static void checkTrlRow(JsonNode row, String algorithm, String where) {
    String problem = switch (algorithm) {
      case "sft" -> row.has("messages") ? turns(row.get("messages"), "messages")
          : firstOf(turns(row.get("prompt"), "prompt"), turns(row.get("completion"),
              "completion"), role(row.get("completion"), 0, "assistant", "completion"));
      case "dpo" -> firstOf(turns(row.get("prompt"), "prompt"),
          turns(row.get("chosen"), "chosen"), turns(row.get("rejected"), "rejected"),
          role(row.get("prompt"), -1, "user", "prompt"),
          role(row.get("chosen"), 0, "assistant", "chosen"),
          role(row.get("rejected"), 0, "assistant", "rejected"));
      default -> firstOf(turns(row.get("prompt"), "prompt"),
          role(row.get("prompt"), -1, "user", "prompt"), verifiable(row.get("ground_truth")));
    };
    if (problem != null) {
      throw new TemperException(where + ": not a TRL " + algorithm + " row: " + problem);
    }
  }

  private static String firstOf(String... problems) {
    for (String p : problems) {
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static String turns(JsonNode list, String field) {
    if (list == null || !list.isArray() || list.isEmpty()) {
      return "'" + field + "' must be a non-empty list of {role, content}";
    }
    for (JsonNode t : list) {
      if (!Set.of("system", "user", "assistant").contains(t.path("role").asText())
          || !t.path("content").isTextual()) {
        return "'" + field + "' has a turn without role (system, user, assistant) and "
            + "string content";
      }
    }
    return null;
  }

  private static String role(JsonNode list, int index, String want, String field) {
    if (list == null || !list.isArray() || list.isEmpty()) {
      return null; // turns() reports it
    }
    JsonNode t = list.get(index < 0 ? list.size() + index : index);
    return t.path("role").asText().equals(want) ? null
        : "'" + field + "' must " + (index < 0 ? "end" : "start") + " with a " + want + " turn";
  }

  /** The ground truth is JSON naming only constraints rewards.py implements. */
  private static String verifiable(JsonNode truth) {
    if (truth == null || !truth.isTextual()) {
      return "'ground_truth' must be a JSON string";
    }
    JsonNode t;
    try {
      t = JSON.readTree(truth.asText());
    } catch (IOException e) {
      return "'ground_truth' is not JSON";
    }
    List<JsonNode> parts = new ArrayList<>();
    if (t.isArray()) {
      t.forEach(parts::add);
    } else {
      parts.add(t);
    }
    for (JsonNode c : parts) {
      String f = c.path("func_name").asText();
      if (!REWARD_FUNCS.contains(f)) {
        return "verifier '" + f + "' is not one rewards.py implements " + REWARD_FUNCS;
      }
    }
    return null;
  }
}
