package ai.temper.engine.vpl;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.train.ConfigField.BadValue;
import ai.temper.engine.train.ConfigField;
import ai.temper.engine.train.ConfigRecord;
import ai.temper.engine.train.DatasetMix;
import ai.temper.engine.train.Setting;
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
public record VplConfig(
    @Setting(nullable = true, group = "VPL", doc = "Feature model: responses are embedded by its"
        + " mean-pooled hidden states; empty uses hashed TF-IDF features (no model)")
    String modelNameOrPath,
    @Setting(nullable = true, group = "VPL", doc = "Tokenizer of the feature model")
    String tokenizerName,
    @Setting(group = "VPL", doc = "Preference data whose rows name their annotator ('annotator'):"
        + " datasets or JSONL files, each with a fraction or count")
    DatasetMix datasetMixerList,
    @Setting(dflt = "0.25", group = "VPL",
        doc = "Fraction of each annotator's pairs held out to measure per-annotator accuracy")
    double evalFraction,
    @Setting(nullable = true, group = "VPL", doc = "A name for the run")
    String runName,
    @Setting(nullable = true, group = "VPL",
        doc = "Where the weights go; empty means <home>/checkpoints/run-<id>")
    String outputDir,
    @Setting(dflt = "42", group = "VPL", doc = "Seed of initialisation, sampling and splits")
    int seed,
    @Setting(dflt = "3e-3", group = "VPL", doc = "AdamW learning rate (constant)")
    double learningRate,
    @Setting(dflt = "400", group = "VPL", doc = "Optimizer steps")
    int maxTrainSteps,
    @Setting(name = "per_device_train_batch_size", dflt = "8", group = "VPL",
        doc = "Annotators per step")
    int batchSize,
    @Setting(dflt = "0.0", group = "VPL", doc = "AdamW decoupled weight decay")
    double weightDecay,
    @Setting(dflt = "1.0", group = "VPL", doc = "Global gradient-norm clipping (0: off)")
    double maxGradNorm,
    @Setting(dflt = "8", group = "VPL", doc = "Dimension of the annotator latent z")
    int latentDim,
    @Setting(dflt = "64", group = "VPL", doc = "Hidden units of the encoder and reward MLPs")
    int hiddenDim,
    @Setting(dflt = "8", group = "VPL",
        doc = "Labelled pairs of an annotator the encoder sees per step (and as many targets)")
    int contextSize,
    @Setting(dflt = "0.01", group = "VPL",
        doc = "Weight of KL(q(z|context) || N(0, I)) added to the Bradley-Terry loss")
    double klWeight,
    @Setting(dflt = "256", group = "VPL", doc = "Buckets of the hashed TF-IDF features")
    int embeddingDim,
    @Setting(dflt = "256", group = "VPL", doc = "Tokens per text the feature model reads")
    int maxSeqLength,
    @Setting(dflt = "20", group = "VPL", doc = "Log metrics every N steps")
    int loggingSteps,
    @Setting(dflt = "100", group = "VPL", doc = "Evaluate every N steps (and at the end)")
    int evalSteps) {
  /** The fields: the annotated components above (see {@link Setting}). */
  private static final ConfigRecord<VplConfig> RECORD = ConfigRecord.of(VplConfig.class);
  private static final List<ConfigField> FIELDS = RECORD.fields();
  private static final Map<String, ConfigField> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfigField f : FIELDS) {
      BY_NAME.put(f.name(), f);
    }
  }

  private static final ObjectMapper YAML = Json.YAML;

  private static VplConfig bind(Map<String, Object> values) {
    return RECORD.bind(values, component -> null);
  }

  /** All values by field name, in the order of {@link #fields()}; a copy. */
  public Map<String, Object> values() {
    return RECORD.values(this);
  }

  public static List<ConfigField> fields() {
    return FIELDS;
  }

  public static VplConfig defaults() {
    return bind(RECORD.defaults());
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
    Map<String, Object> values = defaults().values();
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
    VplConfig c = bind(values);
    c.validate(source, seen);
    return c;
  }

  /** A copy with {@code key=value} overrides applied. */
  public VplConfig withSets(List<String> sets) {
    Map<String, Object> v = values();
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
    VplConfig c = bind(v);
    c.validate("--set", Map.of());
    return c;
  }

  /** A copy with one field set (already typed). */
  public VplConfig with(String name, Object value) {
    Map<String, Object> v = values();
    v.put(name, value);
    return bind(v);
  }

  /**
   * File references made absolute: a model, tokenizer or dataset path that exists relative to
   * the working directory, else to {@code dir} (the YAML file's folder), so the run finds them
   * from anywhere; names that are no file (workbench datasets) stay.
   */
  public VplConfig resolvePaths(Path dir) {
    Map<String, Object> v = values();
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
    return bind(v);
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
      Object value = values().get(n);
      if ((Integer) value <= 0) {
        throw new TemperException(source + (lines.containsKey(n) ? ":" + lines.get(n) : "")
            + ": field '" + n + "' must be positive, got " + value);
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
    values().forEach((k, v) -> out.put(k, v instanceof DatasetMix m ? m.toYaml() : v));
    try {
      return YAML.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
