package ai.temper.engine.models;

import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.ModelFormat;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.model.hf.SafetensorsFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Recognises a model on disk — a Hugging Face folder, a PEFT adapter folder, a llama2.c file
 * (or a folder holding one with its tokenizer) — and describes it without loading weights.
 * Pickled PyTorch files are refused by name and by content.
 */
public final class ModelInspector {
  private static final ObjectMapper JSON = Json.MAPPER;

  private ModelInspector() {}

  /**
   * Inspects {@code path}.
   *
   * @param tokenizer a llama2.c tokenizer file to use; null to look for one beside the model
   */
  public static ModelInspection inspect(Path path, Path tokenizer) {
    return inspect(path, tokenizer, null);
  }

  /**
   * Inspects {@code path}; {@code knownConfig} (the config stored in the library) spares
   * reading a llama2.c checkpoint's weights again.
   */
  public static ModelInspection inspect(Path path, Path tokenizer, LlamaConfig knownConfig) {
    Path p = path.toAbsolutePath().normalize();
    if (!Files.exists(p)) {
      throw new TemperException(p + ": no such file or folder");
    }
    if (Files.isDirectory(p)) {
      if (Files.isRegularFile(p.resolve("adapter_config.json"))) {
        return adapter(p);
      }
      if (Files.isRegularFile(p.resolve("config.json"))) {
        return huggingFace(p);
      }
      Path single = llama2cIn(p);
      ModelChecks.checkLink(p, single);
      return llama2c(single, tokenizer, knownConfig);
    }
    return llama2c(p, tokenizer, knownConfig);
  }

  private static ModelInspection huggingFace(Path dir) {
    List<ModelFile> files = listFiles(dir);
    LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
    List<String> names = files.stream().map(ModelFile::name).toList();
    boolean weights = names.stream().anyMatch(ModelFileSelection::isWeights);
    if (!weights) {
      List<String> pickles = ModelFileSelection.pickles(names);
      throw new TemperException(dir + ": no *.safetensors weights" + (pickles.isEmpty() ? ""
          : " (only PyTorch pickle files: " + String.join(", ", pickles) + "; Temper never "
              + "unpickles them, convert to safetensors first)"));
    }
    ModelChecks.checkWeights(dir, names, config);
    Path tok = dir.resolve("tokenizer.json");
    String kind;
    if (Files.isRegularFile(tok)) {
      kind = "tokenizer.json (Hugging Face)";
    } else {
      tok = null;
      kind = names.contains("tokenizer.model")
          ? "tokenizer.model only (SentencePiece; Temper needs tokenizer.json)" : "none";
    }
    return new ModelInspection(dir, ModelFormat.HF, config, config.parameterCount(), tok, kind,
        hasChatTemplate(dir), files, null);
  }

  private static ModelInspection adapter(Path dir) {
    JsonNode cfg = readJson(dir.resolve("adapter_config.json"));
    List<ModelFile> files = listFiles(dir);
    long params = 0;
    boolean any = false;
    for (ModelFile f : files) {
      if (f.name().startsWith("adapter_model") && ModelFileSelection.isWeights(f.name())) {
        params += safetensorsParameters(dir.resolve(f.name()));
        any = true;
      }
    }
    if (!any) {
      throw new TemperException(dir + ": an adapter folder needs adapter_model.safetensors"
          + (Files.exists(dir.resolve("adapter_model.bin"))
              ? " (adapter_model.bin is a pickle file; Temper never unpickles)" : ""));
    }
    Path tok = dir.resolve("tokenizer.json");
    return new ModelInspection(dir, ModelFormat.PEFT, null, params,
        Files.isRegularFile(tok) ? tok : null,
        Files.isRegularFile(tok) ? "tokenizer.json (Hugging Face)" : "the base model's",
        hasChatTemplate(dir), files, cfg.path("base_model_name_or_path").asText(null));
  }

  /** A folder without config.json: the one llama2.c checkpoint in it (e.g. stories260K). */
  private static Path llama2cIn(Path dir) {
    List<Path> models = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().endsWith(".bin"))
          .filter(f -> !isTokenizerName(f.getFileName().toString()))
          .sorted()
          .forEach(models::add);
    } catch (IOException e) {
      throw new TemperException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (models.size() != 1) {
      throw new TemperException(dir + ": not a model folder (no config.json or "
          + "adapter_config.json" + (models.isEmpty() ? ", and no llama2.c .bin checkpoint)"
              : ", and several .bin files: choose one of " + models.stream()
                  .map(m -> m.getFileName().toString()).toList() + ")"));
    }
    return models.get(0);
  }

  private static ModelInspection llama2c(Path file, Path tokenizer, LlamaConfig known) {
    if (ModelLoader.detect(file) != ModelFormat.LLAMA2C) {
      throw new TemperException(file + ": not a llama2.c checkpoint");
    }
    // The engine's reader validates the whole file; a model already in the library is not
    // read again just to be described.
    LlamaConfig config = known != null ? known : Llama2cCheckpoint.read(file).config();
    Path tok = tokenizer != null ? tokenizer.toAbsolutePath().normalize() : findTokenizer(file);
    if (tok != null && tokenizer == null) {
      ModelChecks.checkLink(file.getParent(), tok);
    }
    if (tok != null) {
      checkLlama2cTokenizer(tok);
    }
    List<ModelFile> files = new ArrayList<>();
    files.add(new ModelFile(file.getFileName().toString(), size(file)));
    if (tok != null) {
      files.add(new ModelFile(tok.getFileName().toString(), size(tok)));
    }
    return new ModelInspection(file, ModelFormat.LLAMA2C, config, config.parameterCount(), tok,
        tok == null ? "none (give the llama2.c tokenizer file)"
            : "llama2.c tokenizer (" + tok.getFileName() + ")", false, files, null);
  }

  private static boolean isTokenizerName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.startsWith("tok") && n.endsWith(".bin");
  }

  /** tokenizer.bin or the one tok*.bin beside a llama2.c checkpoint (tok512.bin). */
  static Path findTokenizer(Path model) {
    Path dir = model.getParent();
    if (dir == null) {
      return null;
    }
    if (Files.isRegularFile(dir.resolve("tokenizer.bin"))) {
      return dir.resolve("tokenizer.bin");
    }
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile)
          .filter(f -> isTokenizerName(f.getFileName().toString()))
          .filter(f -> !f.equals(model))
          .forEach(found::add);
    } catch (IOException e) {
      return null;
    }
    return found.size() == 1 ? found.get(0) : null;
  }

  /** A llama2.c tokenizer file starts with a small max_token_length. */
  private static void checkLlama2cTokenizer(Path tok) {
    if (!Files.isRegularFile(tok)) {
      throw new TemperException(tok + ": tokenizer file not found");
    }
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(tok)) {
      if (in.readNBytes(head, 0, 4) < 4) {
        throw new TemperException(tok + ": too short for a llama2.c tokenizer");
      }
    } catch (IOException e) {
      throw new TemperException("Cannot read " + tok + ": " + e.getMessage(), e);
    }
    int maxLen = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (maxLen <= 0 || maxLen > 4096) {
      throw new TemperException(tok + ": not a llama2.c tokenizer (max_token_length " + maxLen
          + ")");
    }
  }

  /** chat_template.jinja, or a chat_template in tokenizer_config.json. */
  public static boolean hasChatTemplate(Path dir) {
    if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
      return true;
    }
    Path tc = dir.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(tc)) {
      return false;
    }
    JsonNode t = readJson(tc).get("chat_template");
    return t != null && !t.isNull() && !(t.isTextual() && t.asText().isBlank());
  }

  /**
   * The top-level regular files of a folder, by name; a link to a file outside the folder is
   * refused (see {@link ModelChecks#checkLink}).
   */
  static List<ModelFile> listFiles(Path dir) {
    List<ModelFile> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile).sorted()
          .forEach(f -> {
            ModelChecks.checkLink(dir, f);
            out.add(new ModelFile(f.getFileName().toString(), size(f)));
          });
    } catch (IOException e) {
      throw new TemperException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Sums the element counts of a safetensors file's tensors (its header only). */
  static long safetensorsParameters(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      long total = 0;
      for (SafetensorsFile.Entry e : f.entries()) {
        total += e.numel();
      }
      return total;
    }
  }

  static JsonNode readJson(Path file) {
    try {
      JsonNode n = JSON.readTree(Files.readString(file));
      if (n == null || !n.isObject()) {
        throw new TemperException(file + ": not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read JSON: " + FileErrors.reason(e), e);
    }
  }

  static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      throw new TemperException("Cannot read " + f + ": " + e.getMessage(), e);
    }
  }
}
