package ai.temper.engine.train;

import ai.temper.engine.Faults;
import ai.temper.engine.FileErrors;
import ai.temper.engine.FileTrees;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.SafetensorsFile;
import ai.temper.engine.model.hf.SafetensorsIndex;
import ai.temper.engine.model.hf.SafetensorsWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Checkpoints of a run: {@code <output_dir>/step-<n>}, a Hugging Face model directory
 * (adapters merged; a reward model as LlamaForSequenceClassification with score.weight) with
 * the training state beside the weights: trainer_state.json (step, seed, data order),
 * optimizer.safetensors (AdamW moments) and, with LoRA, adapter/ in PEFT's layout
 * (adapter_config.json + adapter_model.safetensors). A checkpoint is assembled in a hidden
 * staging directory and renamed into place, so it exists complete or not at all.
 */
public final class CheckpointIO {
  public static final String STATE = "trainer_state.json";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String ADAPTER_DIR = "adapter";
  public static final String ADAPTER_CONFIG = "adapter_config.json";
  public static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";
  public static final String REWARD_ARCHITECTURE = "LlamaForSequenceClassification";
  static final ObjectMapper JSON = Json.PRETTY;

  private CheckpointIO() {}

  public static Path stepDir(Path outputDir, int step) {
    return outputDir.resolve("step-" + step);
  }

  /** Writes the checkpoint of {@code step}, replacing a stale one of the same step. */
  static Path save(Path outputDir, int step, TrainableModel model, BaseModel base, AdamW optimizer,
      ObjectNode state, TrainConfig config) {
    return save(outputDir, step, model, base, optimizer, state, config, null);
  }

  /** PPO's value model (backbone and head), saved beside the policy in its checkpoints. */
  public static final String VALUE_WEIGHTS = "value_model.safetensors";

  /** As above, with {@code valueWeights} (may be null) written to {@link #VALUE_WEIGHTS}. */
  static Path save(Path outputDir, int step, TrainableModel model, BaseModel base, AdamW optimizer,
      ObjectNode state, TrainConfig config, Map<String, Tensor> valueWeights) {
    Path target = stepDir(outputDir, step);
    Path staging = outputDir.resolve(".step-" + step + ".staging-"
        + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectories(outputDir);
      StateDict merged = model.mergedStateDict();
      StateDict lm = new StateDict();
      merged.asMap().forEach((k, v) -> {
        if (!k.equals(TrainableModel.SCORE)) {
          lm.put(k, v);
        }
      });
      // in the dtype the base was stored in (a bfloat16 model stays bfloat16)
      HfCheckpoint.write(staging, model.config(), lm, base.tokenizerFiles(),
          base.chat().template().source(), base.generationConfig(), base.storedDtype());
      if (model.score() != null) {
        asRewardModel(staging, merged, base.tokenizer().padId(), base.storedDtype());
      }
      if (model.hasLora()) {
        Path adapter = Files.createDirectories(staging.resolve(ADAPTER_DIR));
        Files.writeString(adapter.resolve(ADAPTER_CONFIG),
            JSON.writeValueAsString(adapterConfig(config, model.score() != null)) + "\n");
        SafetensorsWriter.write(adapter.resolve(ADAPTER_WEIGHTS), model.adapterTensors(),
            DType.F32);
      }
      if (valueWeights != null) {
        SafetensorsWriter.write(staging.resolve(VALUE_WEIGHTS), valueWeights, DType.F32);
      }
      if (!config.saveOnlyModel()) {
        optimizer.save(staging.resolve(OPTIMIZER)); // AdamW moments, beside the weights
      }
      Files.writeString(staging.resolve(STATE), JSON.writeValueAsString(state) + "\n");
      Faults.point("checkpoint.staged");
      if (Files.exists(target)) {
        FileTrees.deleteQuietly(target); // a stale checkpoint of this step from before a resume
      }
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      FileTrees.deleteQuietly(staging);
      throw new TemperException("Cannot write checkpoint " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      FileTrees.deleteQuietly(staging);
      throw e;
    }
  }

  /**
   * Turns a causal-LM directory into HF's LlamaForSequenceClassification: the config names it
   * with one label and the pad id (which finds the last token), the weights gain score.weight.
   */
  private static void asRewardModel(Path dir, StateDict merged, int padId, DType dtype)
      throws IOException {
    ObjectNode cfg = (ObjectNode) JSON.readTree(Files.readString(dir.resolve(HfCheckpoint.CONFIG)));
    cfg.putArray("architectures").add(REWARD_ARCHITECTURE);
    cfg.put("num_labels", 1);
    cfg.putObject("id2label").put("0", "LABEL_0");
    cfg.putObject("label2id").put("LABEL_0", 0);
    cfg.put("pad_token_id", padId);
    Files.writeString(dir.resolve(HfCheckpoint.CONFIG), JSON.writeValueAsString(cfg) + "\n");
    Files.deleteIfExists(dir.resolve(SafetensorsIndex.INDEX_FILE));
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().endsWith(".safetensors")) {
          Files.delete(p);
        }
      }
    }
    SafetensorsWriter.write(dir.resolve(SafetensorsIndex.SINGLE_FILE), merged.asMap(), dtype);
  }

  private static ObjectNode adapterConfig(TrainConfig c, boolean reward) {
    ObjectNode n = JSON.createObjectNode();
    n.put("peft_type", "LORA");
    n.put("task_type", reward ? "SEQ_CLS" : "CAUSAL_LM");
    n.put("base_model_name_or_path", c.modelNameOrPath());
    n.put("r", c.loraRank());
    n.put("lora_alpha", c.loraAlpha());
    n.put("lora_dropout", c.loraDropout());
    var targets = n.putArray("target_modules");
    c.loraTargetModules().forEach(targets::add);
    n.put("bias", "none");
    n.put("fan_in_fan_out", false);
    n.put("inference_mode", true);
    n.put("init_lora_weights", true);
    if (reward) {
      n.putArray("modules_to_save").add("score");
    } else {
      n.putNull("modules_to_save");
    }
    return n;
  }

  /** Reads trainer_state.json of a checkpoint directory. */
  static ObjectNode readState(Path dir) {
    try {
      return (ObjectNode) JSON.readTree(Files.readString(dir.resolve(STATE)));
    } catch (IOException | ClassCastException e) {
      throw new TemperException(dir.resolve(STATE) + ": cannot read the training state: "
          + (e instanceof IOException io ? FileErrors.reason(io) : "not a JSON object"), e);
    }
  }

  /** Whether {@code dir} is a complete checkpoint (it has its training state). */
  static boolean isComplete(Path dir) {
    return Files.isRegularFile(dir.resolve(STATE)) && Files.isRegularFile(dir.resolve(OPTIMIZER));
  }

  /**
   * Deletes what a process killed while writing a checkpoint left in {@code outputDir}: its
   * {@code .step-N.staging-*} folder and the {@code ..step-N.staging-*.partial-*} folder the
   * model writer assembles in. Only the process holding the home writes here, so any such
   * folder at the start of a run is stale. Returns how many were removed.
   */
  static int sweepStaging(Path outputDir) {
    if (!Files.isDirectory(outputDir)) {
      return 0;
    }
    int n = 0;
    try (Stream<Path> s = Files.list(outputDir)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if ((name.startsWith(".step-") || name.startsWith("..step-"))
            && name.contains(".staging-")) {
          FileTrees.deleteQuietly(p);
          n++;
        }
      }
    } catch (IOException e) {
      throw new TemperException("Cannot list " + outputDir + ": " + FileErrors.reason(e), e);
    }
    return n;
  }

  /** The complete checkpoint with the highest step under {@code outputDir}, if any. */
  static Optional<Path> latest(Path outputDir) {
    if (!Files.isDirectory(outputDir)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(outputDir)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d+"))
          .filter(CheckpointIO::isComplete)
          .max(Comparator.comparingInt(CheckpointIO::stepOf));
    } catch (IOException e) {
      throw new TemperException("Cannot list " + outputDir + ": " + e.getMessage(), e);
    }
  }

  static int stepOf(Path dir) {
    return Integer.parseInt(dir.getFileName().toString().substring("step-".length()));
  }

  /** The values of the trainable arrays saved in a checkpoint, by {@link TrainableModel} names. */
  static Map<String, Tensor> trainableWeights(Path dir, boolean lora) {
    if (lora) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      SafetensorsFile.readAll(dir.resolve(ADAPTER_DIR).resolve(ADAPTER_WEIGHTS)).forEach((k, v) ->
          out.put(k.equals(TrainableModel.PEFT_PREFIX + TrainableModel.SCORE)
              ? TrainableModel.SCORE : k, v));
      return out;
    }
    return SafetensorsIndex.read(dir).tensors();
  }

  static JsonNode json(Object o) {
    return JSON.valueToTree(o);
  }

}
