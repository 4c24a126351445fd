package ai.temper.engine.train;

import ai.temper.engine.TemperException;
import ai.temper.engine.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The examples of a run: each {@code dataset_mixer_list} source read in its canonical JSON
 * form (as the datasets store keeps it: {"messages": [...]}, {"prompt", "chosen",
 * "rejected"} or {"text"}), sampled by its fraction or count with the run's seed, and split
 * into training and held-out examples.
 */
public final class TrainingData {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Training and held-out examples. */
  public record Split(List<JsonNode> train, List<JsonNode> eval) {}

  private TrainingData() {}

  /** Reads the mixes of {@code config}; {@code db} resolves workbench dataset names. */
  public static Split load(TrainConfig config, Database db) {
    String kind = config.kind().datasetKind();
    if (config.datasetMixerList() == null || config.datasetMixerList().isEmpty()) {
      throw new TemperException("Config field 'dataset_mixer_list' is empty: name at least one "
          + "dataset or JSONL file");
    }
    List<JsonNode> train = mix(config.datasetMixerList(), kind, config.seed(), db);
    List<JsonNode> eval;
    if (config.datasetMixerEvalList() != null && !config.datasetMixerEvalList().isEmpty()) {
      eval = mix(config.datasetMixerEvalList(), kind, config.seed() + 1, db);
    } else {
      List<JsonNode> shuffled = new ArrayList<>(train);
      Collections.shuffle(shuffled, new Random(config.seed() * 31L + 17));
      int n = (int) Math.round(config.evalFraction() * shuffled.size());
      if (config.evalFraction() > 0 && n == 0 && shuffled.size() >= 2) {
        n = 1;
      }
      eval = new ArrayList<>(shuffled.subList(0, n));
      train = new ArrayList<>(shuffled.subList(n, shuffled.size()));
    }
    if (train.isEmpty()) {
      throw new TemperException("No training examples left after holding out " + eval.size()
          + " for evaluation");
    }
    return new Split(train, eval);
  }

  /** The examples of one mix: each source sampled (seeded) and the results concatenated. */
  public static List<JsonNode> mix(DatasetMix mix, String kind, long seed, Database db) {
    List<JsonNode> out = new ArrayList<>();
    int index = 0;
    for (DatasetMix.Entry e : mix.entries()) {
      List<JsonNode> all = new ArrayList<>(read(e.source(), kind, db));
      Collections.shuffle(all, new Random(seed * 1_000_003L + index++));
      int take;
      if (e.count() != null) {
        if (e.count() > all.size()) {
          throw new TemperException("dataset_mixer_list asks for " + e.count() + " examples of '"
              + e.source() + "', which has " + all.size());
        }
        take = e.count().intValue();
      } else {
        take = (int) Math.round(e.fraction() * all.size());
      }
      out.addAll(all.subList(0, take));
    }
    return out;
  }

  /** All examples of one source: a JSONL file (optionally gzipped) or a workbench dataset. */
  static List<JsonNode> read(String source, String kind, Database db) {
    Path file = Path.of(source);
    if (Files.isRegularFile(file)) {
      return readJsonl(file, kind);
    }
    // TODO(datasets): resolve workbench dataset names once DatasetRepository lands in main.
    throw new TemperException("dataset_mixer_list: '" + source + "' is neither a file nor a "
        + "dataset in the workbench");
  }

  static List<JsonNode> readJsonl(Path file, String kind) {
    List<JsonNode> out = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode row;
        try {
          row = JSON.readTree(line);
        } catch (IOException e) {
          throw new TemperException(file + ":" + lineNo + ": not valid JSON");
        }
        out.add(canonical(row, kind, file + ":" + lineNo));
      }
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** One row in the canonical form of {@code kind}; {@code where} names it in errors. */
  static JsonNode canonical(JsonNode row, String kind, String where) {
    switch (kind) {
      case "text" -> {
        if (!row.path("text").isTextual()) {
          throw new TemperException(where + ": expected a \"text\" field for pretraining");
        }
        return row;
      }
      case "messages" -> {
        messages(row.get("messages"), where, "messages");
        return row;
      }
      case "preference" -> {
        return preference(row, where);
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /**
   * Preference rows as open-instruct and TRL write them: chosen/rejected as whole
   * conversations (their shared leading turns become the prompt) or as strings with a
   * separate prompt.
   */
  private static JsonNode preference(JsonNode row, String where) {
    JsonNode chosen = row.get("chosen");
    JsonNode rejected = row.get("rejected");
    if (chosen == null || rejected == null) {
      throw new TemperException(where + ": a preference pair needs \"chosen\" and \"rejected\"");
    }
    ArrayNode prompt = JSON.createArrayNode();
    JsonNode p = row.get("prompt");
    if (p != null && p.isTextual()) {
      prompt.add(message("user", p.asText()));
    } else if (p != null && p.isArray()) {
      messages(p, where, "prompt");
      prompt.addAll((ArrayNode) p);
    }
    ArrayNode c = side(chosen, where, "chosen");
    ArrayNode r = side(rejected, where, "rejected");
    int shared = 0;
    while (shared < c.size() - 1 && shared < r.size() - 1 && c.get(shared).equals(r.get(shared))) {
      shared++;
    }
    for (int i = 0; i < shared; i++) {
      prompt.add(c.get(i));
    }
    ObjectNode out = JSON.createObjectNode();
    out.set("prompt", prompt);
    out.set("chosen", tail(c, shared));
    out.set("rejected", tail(r, shared));
    return out;
  }

  private static ArrayNode side(JsonNode v, String where, String field) {
    if (v.isTextual()) {
      ArrayNode a = JSON.createArrayNode();
      a.add(message("assistant", v.asText()));
      return a;
    }
    messages(v, where, field);
    return (ArrayNode) v;
  }

  private static ArrayNode tail(ArrayNode a, int from) {
    ArrayNode out = JSON.createArrayNode();
    for (int i = from; i < a.size(); i++) {
      out.add(a.get(i));
    }
    return out;
  }

  private static ObjectNode message(String role, String content) {
    ObjectNode m = JSON.createObjectNode();
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  private static void messages(JsonNode v, String where, String field) {
    if (v == null || !v.isArray() || v.isEmpty()) {
      throw new TemperException(where + ": \"" + field + "\" must be a non-empty list of "
          + "{role, content} messages");
    }
    for (JsonNode m : v) {
      if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
        throw new TemperException(where + ": every message in \"" + field
            + "\" needs a string role and content");
      }
    }
  }
}
