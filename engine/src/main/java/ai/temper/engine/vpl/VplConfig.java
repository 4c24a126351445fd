package ai.temper.engine.vpl;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.train.ConfigField.BadValue;
import ai.temper.engine.train.ConfigField.Type;
import ai.temper.engine.train.ConfigField;
import ai.temper.engine.train.DatasetMix;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of a VPL run (variational preference learning: a reward model conditioned on
 * a per-annotator latent). Training fields keep open-instruct's names; the VPL fields follow
 * the paper's code (latent_dim, hidden_dim, kl_weight, context size). Unknown and ill-typed
 * fields are errors that name the file, line and field.
 */
public final class VplConfig {
  private static final List<ConfigField> FIELDS = List.of(
      f("model_name_or_path", Type.STRING, null, true,
          "Feature model: responses are embedded by its mean-pooled hidden states; empty uses "
              + "hashed TF-IDF features (no model)"),
      f("tokenizer_name", Type.STRING, null, true, "Tokenizer of the feature model"),
      f("dataset_mixer_list", Type.MIXER, new DatasetMix(List.of()), false,
          "Preference data whose rows name their annotator ('annotator'): datasets or JSONL "
              + "files, each with a fraction or count"),
      f("eval_fraction", Type.DOUBLE, 0.25, false,
          "Fraction of each annotator's pairs held out to measure per-annotator accuracy"),
      f("run_name", Type.STRING, null, true, "A name for the run"),
      f("output_dir", Type.STRING, null, true,
          "Where the weights go; empty means <home>/checkpoints/run-<id>"),
      f("seed", Type.INT, 42, false, "Seed of initialisation, sampling and splits"),
      f("learning_rate", Type.DOUBLE, 3e-3, false, "AdamW learning rate (constant)"),
      f("max_train_steps", Type.INT, 400, false, "Optimizer steps"),
      f("per_device_train_batch_size", Type.INT, 8, false, "Annotators per step"),
      f("weight_decay", Type.DOUBLE, 0.0, false, "AdamW decoupled weight decay"),
      f("max_grad_norm", Type.DOUBLE, 1.0, false, "Global gradient-norm clipping (0: off)"),
      f("latent_dim", Type.INT, 8, false, "Dimension of the annotator latent z"),
      f("hidden_dim", Type.INT, 64, false, "Hidden units of the encoder and reward MLPs"),
      f("context_size", Type.INT, 8, false,
          "Labelled pairs of an annotator the encoder sees per step (and as many targets)"),
      f("kl_weight", Type.DOUBLE, 0.01, false,
          "Weight of KL(q(z|context) || N(0, I)) added to the Bradley-Terry loss"),
      f("embedding_dim", Type.INT, 256, false, "Buckets of the hashed TF-IDF features"),
      f("max_seq_length", Type.INT, 256, false, "Tokens per text the feature model reads"),
      f("logging_steps", Type.INT, 20, false, "Log metrics every N steps"),
      f("eval_steps", Type.INT, 100, false, "Evaluate every N steps (and at the end)"));

  private static final Map<String, ConfigField> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfigField f : FIELDS) {
      BY_NAME.put(f.name(), f);
    }
  }

  private static ConfigField f(String name, Type type, Object def, boolean nullable,
      String doc) {
    return new ConfigField(name, type, def, nullable, null, null, "VPL", doc);
  }

  private static final ObjectMapper YAML = Json.YAML;

  private final Map<String, Object> values;

  private VplConfig(Map<String, Object> values) {
    this.values = values;
  }

  public static List<ConfigField> fields() {
    return FIELDS;
  }

  public static VplConfig defaults() {
    Map<String, Object> v = new LinkedHashMap<>();
    FIELDS.forEach(f -> v.put(f.name(), f.defaultValue()));
    return new VplConfig(v);
  }

  public static VplConfig load(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new TemperException("Config file not found: " + file);
    } catch (IOException e) {
      throw new TemperException("Cannot read config " + file + ": " + e.getMessage(), e);
    }
  }

  public static VplConfig parse(String yaml, String source) {
    Map<String, Object> values = new LinkedHashMap<>(defaults().values);
    Map<String, Integer> seen = new HashMap<>();
    try (JsonParser p = YAML.getFactory().createParser(yaml)) {
      p.setCodec(YAML);
      JsonToken t = p.nextToken();
      if (t != null && t != JsonToken.START_OBJECT) {
        throw new TemperException(source + ": a VPL config is a mapping of field: value lines");
      }
      while (t != null && (t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int line = p.currentTokenLocation().getLineNr();
        p.nextToken();
        JsonNode value = p.readValueAsTree();
        String where = source + ":" + line + ": ";
        if (seen.put(name, line) != null) {
          throw new TemperException(where + "field '" + name + "' is given twice");
        }
        ConfigField f = BY_NAME.get(name);
        if (f == null) {
          throw new TemperException(where + "unknown field '" + name + "' (a VPL config has: "
              + String.join(", ", BY_NAME.keySet()) + ")");
        }
        try {
          values.put(name, f.fromYaml(value));
        } catch (BadValue e) {
          throw new TemperException(where + "field '" + name + "': " + e.getMessage());
        }
      }
    } catch (JsonProcessingException e) {
      throw new TemperException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new TemperException(source + ": " + e.getMessage(), e);
    }
    VplConfig c = new VplConfig(values);
    c.validate(source, seen);
    return c;
  }

  /** A copy with {@code key=value} overrides applied. */
  public VplConfig withSets(List<String> sets) {
    Map<String, Object> v = new LinkedHashMap<>(values);
    for (String a : sets) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new TemperException("--set expects key=value, got '" + a + "'");
      }
      String name = a.substring(0, eq).strip();
      ConfigField f = BY_NAME.get(name);
      if (f == null) {
        throw new TemperException("--set: unknown field '" + name + "'");
      }
      try {
        v.put(name, f.fromString(a.substring(eq + 1)));
      } catch (BadValue e) {
        throw new TemperException("--set " + name + ": " + e.getMessage());
      }
    }
    VplConfig c = new VplConfig(v);
    c.validate("--set", Map.of());
    return c;
  }

  /** A copy with one field set (already typed). */
  public VplConfig with(String name, Object value) {
    Map<String, Object> v = new LinkedHashMap<>(values);
    v.put(name, value);
    return new VplConfig(v);
  }

  /**
   * File references made absolute: a model, tokenizer or dataset path that exists relative to
   * the working directory, else to {@code dir} (the YAML file's folder), so the run finds them
   * from anywhere; names that are no file (workbench datasets) stay.
   */
  public VplConfig resolvePaths(Path dir) {
    Map<String, Object> v = new LinkedHashMap<>(values);
    for (String k : List.of("model_name_or_path", "tokenizer_name")) {
      String s = (String) v.get(k);
      if (s != null) {
        v.put(k, resolve(s, dir));
      }
    }
    List<DatasetMix.Entry> entries = new java.util.ArrayList<>();
    for (DatasetMix.Entry e : datasetMixerList().entries()) {
      entries.add(new DatasetMix.Entry(resolve(e.source(), dir), e.fraction(), e.count()));
    }
    v.put("dataset_mixer_list", new DatasetMix(entries));
    if (outputDir() != null) {
      v.put("output_dir", Path.of(outputDir()).toAbsolutePath().normalize().toString());
    }
    return new VplConfig(v);
  }

  private static String resolve(String name, Path dir) {
    Path p = Path.of(name);
    if (Files.exists(p)) {
      return p.toAbsolutePath().normalize().toString();
    }
    if (dir != null && !p.isAbsolute() && Files.exists(dir.resolve(p))) {
      return dir.resolve(p).toAbsolutePath().normalize().toString();
    }
    return name;
  }

  private void validate(String source, Map<String, Integer> lines) {
    for (String n : List.of("max_train_steps", "per_device_train_batch_size", "latent_dim",
        "hidden_dim", "context_size", "embedding_dim", "max_seq_length", "logging_steps")) {
      if ((Integer) values.get(n) <= 0) {
        throw new TemperException(source + (lines.containsKey(n) ? ":" + lines.get(n) : "")
            + ": field '" + n + "' must be positive, got " + values.get(n));
      }
    }
    double ef = evalFraction();
    if (ef <= 0 || ef >= 1) {
      throw new TemperException(source + ": field 'eval_fraction' must be in (0, 1)");
    }
    if (klWeight() < 0 || learningRate() <= 0) {
      throw new TemperException(source + ": fields 'kl_weight' must be >= 0 and "
          + "'learning_rate' > 0");
    }
    if (datasetMixerList().isEmpty()) {
      throw new TemperException(source + ": field 'dataset_mixer_list' names no data");
    }
  }

  public String toYaml() {
    Map<String, Object> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, v instanceof DatasetMix m ? m.toYaml() : v));
    try {
      return YAML.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public String modelNameOrPath() {
    return (String) values.get("model_name_or_path");
  }

  public String tokenizerName() {
    return (String) values.get("tokenizer_name");
  }

  public DatasetMix datasetMixerList() {
    return (DatasetMix) values.get("dataset_mixer_list");
  }

  public double evalFraction() {
    return (Double) values.get("eval_fraction");
  }

  public String runName() {
    return (String) values.get("run_name");
  }

  public String outputDir() {
    return (String) values.get("output_dir");
  }

  public int seed() {
    return (Integer) values.get("seed");
  }

  public double learningRate() {
    return (Double) values.get("learning_rate");
  }

  public int maxTrainSteps() {
    return (Integer) values.get("max_train_steps");
  }

  public int batchSize() {
    return (Integer) values.get("per_device_train_batch_size");
  }

  public double weightDecay() {
    return (Double) values.get("weight_decay");
  }

  public double maxGradNorm() {
    return (Double) values.get("max_grad_norm");
  }

  public int latentDim() {
    return (Integer) values.get("latent_dim");
  }

  public int hiddenDim() {
    return (Integer) values.get("hidden_dim");
  }

  public int contextSize() {
    return (Integer) values.get("context_size");
  }

  public double klWeight() {
    return (Double) values.get("kl_weight");
  }

  public int embeddingDim() {
    return (Integer) values.get("embedding_dim");
  }

  public int maxSeqLength() {
    return (Integer) values.get("max_seq_length");
  }

  public int loggingSteps() {
    return (Integer) values.get("logging_steps");
  }

  public int evalSteps() {
    return (Integer) values.get("eval_steps");
  }
}
