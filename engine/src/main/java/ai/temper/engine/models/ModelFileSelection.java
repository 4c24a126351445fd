package ai.temper.engine.models;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which files of a Hugging Face model folder or Hub repository a Temper model needs: its
 * config, safetensors weights (with their index), tokenizer files, chat template and licence.
 * Pickled weights (*.bin, *.pt) are never among them, nor anything in a sub-folder.
 */
public final class ModelFileSelection {
  public static final String INDEX = "model.safetensors.index.json";
  public static final String ADAPTER_INDEX = "adapter_model.safetensors.index.json";

  private static final Set<String> METADATA = Set.of(
      "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
      "special_tokens_map.json", "chat_template.jinja", "adapter_config.json");
  private static final ObjectMapper JSON = Json.MAPPER;

  private ModelFileSelection() {}

  /** A plain top-level file name: no folders, no way out of the model folder. */
  public static boolean isSafeName(String name) {
    return !name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.equals(".")
        && !name.equals("..") && !name.startsWith(".") && name.indexOf('\0') < 0
        && name.indexOf(':') < 0;
  }

  /** True for the config, tokenizer, template and licence files a model carries along. */
  public static boolean isMetadata(String name) {
    if (!isSafeName(name)) {
      return false;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    return METADATA.contains(name) || lower.startsWith("license")
        || (name.endsWith(".index.json") && name.contains("safetensors"));
  }

  public static boolean isWeights(String name) {
    return isSafeName(name) && name.endsWith(".safetensors");
  }

  /**
   * The files to take from {@code available}: the metadata files, and the safetensors weights —
   * those named by {@code indexJson}'s weight_map when the repository has an index (a repo may
   * also hold a consolidated copy we must not fetch twice), else every top-level one.
   *
   * @param indexJson the content of the safetensors index, or null when there is none
   */
  public static List<String> select(Collection<String> available, String indexJson,
      String where) {
    Set<String> out = new LinkedHashSet<>();
    for (String name : available) {
      if (isMetadata(name)) {
        out.add(name);
      }
    }
    if (indexJson != null) {
      for (String shard : shardsOf(indexJson, where)) {
        if (!available.contains(shard)) {
          throw new TemperException(where + ": the safetensors index names " + shard
              + ", which is not there");
        }
        out.add(shard);
      }
    } else {
      for (String name : available) {
        if (isWeights(name)) {
          out.add(name);
        }
      }
    }
    return new ArrayList<>(out);
  }

  /** The shard files of a safetensors index (its weight_map values), in first-seen order. */
  public static List<String> shardsOf(String indexJson, String where) {
    JsonNode map;
    try {
      map = JSON.readTree(indexJson).path("weight_map");
    } catch (IOException e) {
      throw new TemperException(where + ": the safetensors index is not valid JSON: "
          + e.getMessage(), e);
    }
    if (!map.isObject() || map.isEmpty()) {
      throw new TemperException(where + ": the safetensors index has no weight_map");
    }
    Set<String> shards = new LinkedHashSet<>();
    for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
      String shard = it.next().asText();
      if (!isWeights(shard)) {
        throw new TemperException(where + ": the safetensors index names '" + shard
            + "', which is not a top-level .safetensors file");
      }
      shards.add(shard);
    }
    return new ArrayList<>(shards);
  }

  /** The pickled weight files among {@code names}, for a clear refusal. */
  public static List<String> pickles(Collection<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (!n.contains("/") && Pickles.hasPickleName(n)) {
        out.add(n);
      }
    }
    return out;
  }
}
