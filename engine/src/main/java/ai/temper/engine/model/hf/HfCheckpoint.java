package ai.temper.engine.model.hf;

import ai.temper.engine.Faults;
import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Hugging Face model directories: config.json, model.safetensors (or shards with an index),
 * tokenizer files and generation_config.json. Tensors keep their HF names and layout.
 */
public final class HfCheckpoint {
  public static final String CONFIG = "config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  /** Shard size when writing: large models get several files, as transformers writes them. */
  public static final long MAX_SHARD_BYTES = 4L << 30;
  private static final ObjectMapper JSON = Json.PRETTY;

  private HfCheckpoint() {}

  /**
   * Everything a directory holds, read and checked but the tokenizer not yet opened.
   *
   * @param dir              where it was read from
   * @param config           config.json
   * @param weights          every tensor the config implies, shape-checked
   *                         ({@code lm_head.weight} absent when the embeddings are tied)
   * @param tokenizer        the tokenizer files, or null when there is no tokenizer.json
   * @param generationConfig generation_config.json, or null
   */
  public record Contents(Path dir, LlamaConfig config, StateDict weights,
      HfTokenizerFiles tokenizer, JsonNode generationConfig) {
    /** The chat template the tokenizer files carry, if any. */
    public Optional<String> chatTemplate() {
      return tokenizer == null ? Optional.empty() : Optional.ofNullable(tokenizer.chatTemplate());
    }

    /**
     * Opens the directory's tokenizer; fails clearly when there is none or when it has ids
     * beyond the model's embedding table.
     */
    public HfTokenizer openTokenizer() {
      if (tokenizer == null) {
        throw new TemperException(dir + ": no tokenizer (" + HfTokenizerFiles.TOKENIZER_JSON
            + " is missing); give one with --tokenizer");
      }
      HfTokenizer t = HfTokenizer.open(dir);
      if (t.vocabSize() > config.vocabSize()) {
        int n = t.vocabSize();
        t.close();
        throw new TemperException(dir + ": the tokenizer has " + n + " tokens but the model's "
            + "vocab_size is " + config.vocabSize());
      }
      return t;
    }
  }

  /** Whether {@code dir} looks like a Hugging Face model directory (has config.json). */
  public static boolean isModelDir(Path dir) {
    return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG));
  }

  /** Reads config.json of {@code dir}; unsupported architectures fail here. */
  public static LlamaConfig readConfig(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new TemperException(dir + ": no such model directory");
    }
    Path cfg = dir.resolve(CONFIG);
    if (!Files.isRegularFile(cfg)) {
      throw new TemperException(dir + ": not a Hugging Face model directory (no " + CONFIG + ")");
    }
    return LlamaConfig.read(cfg);
  }

  /**
   * The checkpoint in {@code dir} as the model loader wants it: config, checked weights, the
   * tokenizer opened (null when the directory has none), the chat template.
   */
  public static Checkpoint read(Path dir) {
    Contents c = readContents(dir, true);
    HfTokenizer tok = c.tokenizer() == null ? null : c.openTokenizer();
    return new Checkpoint(c.config(), c.weights(), tok, c.chatTemplate().orElse(null),
        dir.toString());
  }

  /**
   * Reads the whole directory: config, weights (checked against the config: a missing,
   * unexpected or misshapen tensor fails naming its file), tokenizer files when present,
   * generation config. Pickle weights are refused without being opened.
   */
  public static Contents readContents(Path dir) {
    return readContents(dir, false);
  }

  /**
   * As {@link #readContents(Path)}; with {@code stored} the weights stay in their files until
   * the model is built from them (no Java copy of the weights; see {@link Tensor#stored}).
   */
  public static Contents readContents(Path dir, boolean stored) {
    LlamaConfig config = readConfig(dir);
    SafetensorsIndex.Weights w = SafetensorsIndex.read(dir, stored);
    StateDict weights = checked(config, w.tensors(),
        name -> String.valueOf(w.fileOf(name) == null ? dir : w.fileOf(name)),
        dir.resolve(CONFIG).toString());
    HfTokenizerFiles tok = HfTokenizerFiles.present(dir) ? HfTokenizerFiles.read(dir) : null;
    return new Contents(dir, config, weights, tok, readGenerationConfig(dir));
  }

  /**
   * The dtype config.json says the weights are stored in (torch_dtype, or transformers 5's
   * dtype): BF16, F16, else F32.
   */
  public static DType storedDtype(Path dir) {
    try {
      JsonNode n = JSON.readTree(Files.readString(dir.resolve(CONFIG)));
      String t = n.path("torch_dtype").asText(n.path("dtype").asText("float32"));
      return switch (t) {
        case "bfloat16" -> DType.BF16;
        case "float16" -> DType.F16;
        default -> DType.F32;
      };
    } catch (IOException e) {
      throw new TemperException(dir.resolve(CONFIG) + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The directory's generation_config.json, or null when it has none. */
  public static JsonNode readGenerationConfig(Path dir) {
    Path genFile = dir.resolve(GENERATION_CONFIG);
    if (!Files.isRegularFile(genFile)) {
      return null;
    }
    try {
      return JSON.readTree(Files.readString(genFile));
    } catch (IOException e) {
      throw new TemperException(genFile + ": " + FileErrors.reason(e), e);
    }
  }

  /**
   * The generation_config.json to save with a model of {@code config}: the source's
   * ({@code source}, may be null) kept, with every EOS id of the config added to its
   * eos_token_id (a list when there are several) and the BOS id filled in when missing, so
   * that transformers stops generating where the parent model did.
   */
  public static ObjectNode generationConfigFor(LlamaConfig config, JsonNode source) {
    ObjectNode g = source != null && source.isObject() ? source.deepCopy()
        : JSON.createObjectNode().put("_from_model_config", true);
    if (!g.has("bos_token_id") && config.bosTokenId() >= 0) {
      g.put("bos_token_id", config.bosTokenId());
    }
    java.util.LinkedHashSet<Integer> eos = new java.util.LinkedHashSet<>();
    JsonNode had = g.get("eos_token_id");
    if (had != null && had.isArray()) {
      had.forEach(x -> eos.add(x.asInt()));
    } else if (had != null && had.isNumber()) {
      eos.add(had.asInt());
    }
    eos.addAll(config.eosTokenIds());
    if (eos.size() == 1) {
      g.put("eos_token_id", eos.iterator().next());
    } else if (eos.size() > 1) {
      var a = g.putArray("eos_token_id");
      eos.forEach(a::add);
    }
    return g;
  }

  /** The tensor names and shapes {@code c} implies (those the model is built from). */
  public static Map<String, long[]> expectedShapes(LlamaConfig c) {
    return LlamaModel.parameterShapes(c);
  }

  /**
   * The tensors {@code c} implies, checked: each present with its exact shape, nothing
   * unexpected. A tied checkpoint's lm_head.weight (some writers keep it) is dropped, since
   * transformers ties it to the embedding anyway; RoPE inv_freq buffers are dropped.
   */
  static StateDict checked(LlamaConfig c, Map<String, Tensor> tensors,
      Function<String, String> sourceOf, String configWhere) {
    Map<String, long[]> want = expectedShapes(c);
    StateDict out = new StateDict();
    for (var e : want.entrySet()) {
      Tensor t = tensors.get(e.getKey());
      if (t == null) {
        throw new TemperException(sourceOf.apply(e.getKey()) + ": tensor '" + e.getKey()
            + "' is missing (" + configWhere + " implies it: " + describe(c) + ")");
      }
      if (!Arrays.equals(t.shape(), e.getValue())) {
        throw new TemperException(sourceOf.apply(e.getKey()) + ": tensor '" + e.getKey()
            + "' has shape " + Arrays.toString(t.shape()) + " but " + configWhere
            + " implies " + Arrays.toString(e.getValue()) + " (" + describe(c) + ")");
      }
      out.put(e.getKey(), t);
    }
    for (var e : tensors.entrySet()) {
      String name = e.getKey();
      if (want.containsKey(name) || name.endsWith("rotary_emb.inv_freq")) {
        continue;
      }
      if (name.equals("lm_head.weight") && c.tieWordEmbeddings()) {
        long[] s = e.getValue().shape();
        if (!Arrays.equals(s, new long[] {c.vocabSize(), c.hiddenSize()})) {
          throw new TemperException(sourceOf.apply(name) + ": tensor 'lm_head.weight' has shape "
              + Arrays.toString(s) + " but " + configWhere + " implies ["
              + c.vocabSize() + ", " + c.hiddenSize() + "]");
        }
        continue;
      }
      throw new TemperException(sourceOf.apply(name) + ": unexpected tensor '" + name
          + "' for " + describe(c) + " in " + configWhere);
    }
    return out;
  }

  private static String describe(LlamaConfig c) {
    return c.architecture() + " with " + c.numHiddenLayers() + " layers, hidden "
        + c.hiddenSize() + ", " + c.numAttentionHeads() + " heads / " + c.numKeyValueHeads()
        + " kv heads of " + c.headDim() + ", intermediate " + c.intermediateSize() + ", vocab "
        + c.vocabSize() + (c.tieWordEmbeddings() ? ", tied head" : "")
        + (c.attentionBias() ? ", attention bias" : "");
  }

  /**
   * Writes {@code checkpoint} as float32 with {@code tokenizer}'s files (see
   * {@link #write(Path, LlamaConfig, StateDict, HfTokenizerFiles, String, JsonNode, DType)}).
   */
  public static void write(Path dir, Checkpoint checkpoint, HfTokenizerFiles tokenizer,
      JsonNode generationConfig) {
    write(dir, checkpoint.config(), checkpoint.weights(), tokenizer, checkpoint.chatTemplate(),
        generationConfig, DType.F32);
  }

  /**
   * Writes a model with its tokenizer (its files are carried over) and chat template (null:
   * the tokenizer's own), as float32: what trainers call to save a checkpoint.
   */
  public static void write(Path dir, LlamaConfig config, StateDict weights,
      ai.temper.engine.tokenizer.Tokenizer tokenizer, String chatTemplate) {
    write(dir, config, weights, tokenizerFiles(tokenizer), chatTemplate, null, DType.F32);
  }

  /** Writes as float32; see {@link #write(Path, LlamaConfig, StateDict, HfTokenizerFiles, String, JsonNode, DType)}. */
  public static void write(Path dir, LlamaConfig config, StateDict weights,
      HfTokenizerFiles tokenizer, String chatTemplate, JsonNode generationConfig) {
    write(dir, config, weights, tokenizer, chatTemplate, generationConfig, DType.F32);
  }

  /**
   * Writes a directory that transformers' AutoModelForCausalLM and AutoTokenizer load:
   * config.json, model.safetensors (sharded past {@link #MAX_SHARD_BYTES}),
   * tokenizer.json + tokenizer_config.json (with {@code chatTemplate} when not null, else the
   * tokenizer's own) + special_tokens_map.json, generation_config.json ({@code
   * generationConfig}, or one holding the config's BOS/EOS ids).
   *
   * <p>All of it is written into a hidden sibling directory first and renamed into place, so
   * {@code dir} either appears complete or not at all. {@code dir} must not exist or be empty.
   */
  public static void write(Path dir, LlamaConfig config, StateDict weights,
      HfTokenizerFiles tokenizer, String chatTemplate, JsonNode generationConfig, DType dtype) {
    StateDict checked = checked(config, weights.asMap(), name -> "weights to save",
        "the model config");
    if (tokenizer == null && chatTemplate != null) {
      throw new TemperException(dir + ": a chat template is saved with the tokenizer files, "
          + "but no tokenizer was given");
    }
    Path target = dir.toAbsolutePath().normalize();
    if (Files.exists(target) && !(Files.isDirectory(target) && isEmpty(target))) {
      throw new TemperException(target + ": already exists; choose a new directory");
    }
    Path parent = target.getParent();
    Path tmp = parent.resolve("." + target.getFileName() + ".partial-"
        + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectories(tmp);
      ObjectNode cfg = config.toJson();
      String dtypeName = switch (dtype) {
        case F16 -> "float16";
        case BF16 -> "bfloat16";
        default -> "float32";
      };
      cfg.put("torch_dtype", dtypeName);
      writeJson(tmp.resolve(CONFIG), cfg);
      SafetensorsIndex.write(tmp, checked.asMap(), dtype, MAX_SHARD_BYTES);
      Faults.point("checkpoint.partial");
      if (tokenizer != null) {
        HfTokenizerFiles t = chatTemplate != null ? tokenizer.withChatTemplate(chatTemplate)
            : tokenizer;
        t.writeTo(tmp);
      }
      writeJson(tmp.resolve(GENERATION_CONFIG), generationConfigFor(config, generationConfig));
      if (Files.isDirectory(target)) {
        Files.delete(target); // empty, checked above
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      deleteTree(tmp);
      throw new TemperException(target + ": already exists; choose a new directory");
    } catch (IOException e) {
      deleteTree(tmp);
      throw new TemperException(target + ": cannot write the model: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  private static void writeJson(Path p, JsonNode n) throws IOException {
    Files.writeString(p, JSON.writeValueAsString(n) + "\n");
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.delete(f);
        } catch (IOException ignored) {
          // best effort cleanup of our own temporary directory
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }

  /**
   * The files to save with a checkpoint for {@code tokenizer}: a Hugging Face tokenizer's own
   * files, or a llama2.c tokenizer converted to tokenizer.json.
   */
  static HfTokenizerFiles tokenizerFiles(Tokenizer tokenizer) {
    if (tokenizer instanceof HfTokenizer hf) {
      return hf.files();
    }
    if (tokenizer instanceof Llama2cTokenizer l) {
      return Llama2cTokenizerConverter.convert(Llama2cToHf.vocabOf(l), "llama2.c tokenizer");
    }
    throw new TemperException("cannot save a " + tokenizer.getClass().getSimpleName()
        + " as Hugging Face tokenizer files");
  }
}
