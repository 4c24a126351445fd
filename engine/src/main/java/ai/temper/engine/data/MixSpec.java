package ai.temper.engine.data;

import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mixture (open-instruct's {@code dataset_mixer_list}): which datasets, how much of each.
 *
 * <pre>
 * seed: 42          # optional; --seed overrides
 * dedup: true       # optional; drop examples whose content repeats (default false)
 * sources:          # or a bare list at the top level
 *   - dataset: gsm8k-train
 *     fraction: 0.5 # of that dataset; above 1 repeats it (1.5 = once and a half)
 *   - dataset: tulu-sft
 *     count: 2000   # examples; above the dataset's size repeats it
 * </pre>
 */
public record MixSpec(List<Source> sources, Long seed, boolean dedup) {
  /** One source: exactly one of fraction and count is set. */
  public record Source(String dataset, Double fraction, Long count) {
    /** How many examples this source contributes out of {@code available}. */
    public long take(long available) {
      return count != null ? count : Math.round(fraction * available);
    }
  }

  public MixSpec {
    sources = List.copyOf(sources);
  }

  private static final ObjectMapper YAML = Json.YAML;

  public static MixSpec read(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new TemperException("Cannot read the mixture spec " + file + ": "
          + FileErrors.reason(e),
          e);
    }
  }

  public static MixSpec parse(String yaml, String where) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new TemperException(where + ": not valid YAML: " + e.getMessage().lines()
          .findFirst().orElse(""), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new TemperException(where + ": the mixture spec is empty");
    }
    JsonNode list = root.isArray() ? root : root.has("sources") ? root.get("sources")
        : root.get("datasets");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new TemperException(where + ": expected a list of {dataset, fraction|count} under "
          + "'sources'");
    }
    List<Source> sources = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode s = list.get(i);
      String at = where + ": sources[" + i + "]";
      if (!s.path("dataset").isTextual() || s.get("dataset").asText().isBlank()) {
        throw new TemperException(at + " has no 'dataset' name");
      }
      boolean hasFraction = s.has("fraction");
      boolean hasCount = s.has("count");
      if (hasFraction == hasCount) {
        throw new TemperException(at + " needs exactly one of 'fraction' and 'count'");
      }
      Double fraction = null;
      Long count = null;
      if (hasFraction) {
        if (!s.get("fraction").isNumber() || s.get("fraction").asDouble() <= 0) {
          throw new TemperException(at + ": 'fraction' must be a number above 0");
        }
        fraction = s.get("fraction").asDouble();
      } else {
        if (!s.get("count").canConvertToLong() || !s.get("count").isIntegralNumber()
            || s.get("count").asLong() <= 0) {
          throw new TemperException(at + ": 'count' must be a whole number above 0");
        }
        count = s.get("count").asLong();
      }
      sources.add(new Source(s.get("dataset").asText(), fraction, count));
    }
    Long seed = null;
    if (!root.isArray() && root.has("seed")) {
      if (!root.get("seed").isIntegralNumber()) {
        throw new TemperException(where + ": 'seed' must be a whole number");
      }
      seed = root.get("seed").asLong();
    }
    boolean dedup = !root.isArray() && root.path("dedup").asBoolean(false);
    return new MixSpec(sources, seed, dedup);
  }

  /** The spec as JSON, for the result's provenance. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode a = o.putArray("sources");
    for (Source s : sources) {
      ObjectNode n = a.addObject().put("dataset", s.dataset());
      if (s.fraction() != null) {
        n.put("fraction", s.fraction());
      } else {
        n.put("count", s.count());
      }
    }
    if (seed != null) {
      o.put("seed", seed);
    }
    o.put("dedup", dedup);
    return o;
  }
}
