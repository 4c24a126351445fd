package ai.temper.engine.chat;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.generate.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The sampling settings of a conversation, with Hugging Face's meanings (see
 * {@link SamplingParams}); stored as JSON in {@code conversations.settings}.
 *
 * @param temperature  0 is greedy
 * @param topP         nucleus cut (1: off)
 * @param topK         keep the k most likely tokens (0: off)
 * @param maxNewTokens tokens per reply at most
 * @param seed         seed of the sampler; null picks one per reply
 * @param stopStrings  extra texts that end a reply (the template adds its own, see
 *                     {@link ChatEngine#templateStops})
 * @param ignoreEos    keep going past EOS (benchmarks and responsiveness tests)
 */
public record ChatSettings(double temperature, double topP, int topK, int maxNewTokens,
    Long seed, List<String> stopStrings, boolean ignoreEos) {
  private static final ObjectMapper JSON = Json.MAPPER;

  public ChatSettings {
    stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    if (maxNewTokens <= 0) {
      throw new TemperException("max new tokens must be positive, got " + maxNewTokens);
    }
    try {
      // the same checks generation makes, at the time the user sets them
      SamplingParams.defaults().withTemperature(temperature).withTopP(topP).withTopK(topK);
    } catch (IllegalArgumentException e) {
      throw new TemperException(e.getMessage());
    }
  }

  /** Temperature 0.8, top-p 0.95, no top-k, 256 new tokens, a fresh seed per reply. */
  public static ChatSettings defaults() {
    return new ChatSettings(0.8, 0.95, 0, 256, null, List.of(), false);
  }

  /** Greedy decoding of up to {@code maxNewTokens} tokens. */
  public static ChatSettings greedy(int maxNewTokens) {
    return new ChatSettings(0, 1.0, 0, maxNewTokens, null, List.of(), false);
  }

  public ChatSettings withTemperature(double t) {
    return new ChatSettings(t, topP, topK, maxNewTokens, seed, stopStrings, ignoreEos);
  }

  public ChatSettings withTopP(double p) {
    return new ChatSettings(temperature, p, topK, maxNewTokens, seed, stopStrings, ignoreEos);
  }

  public ChatSettings withTopK(int k) {
    return new ChatSettings(temperature, topP, k, maxNewTokens, seed, stopStrings, ignoreEos);
  }

  public ChatSettings withMaxNewTokens(int n) {
    return new ChatSettings(temperature, topP, topK, n, seed, stopStrings, ignoreEos);
  }

  public ChatSettings withSeed(Long s) {
    return new ChatSettings(temperature, topP, topK, maxNewTokens, s, stopStrings, ignoreEos);
  }

  public ChatSettings withStopStrings(List<String> s) {
    return new ChatSettings(temperature, topP, topK, maxNewTokens, seed, s, ignoreEos);
  }

  public ChatSettings withIgnoreEos(boolean ignore) {
    return new ChatSettings(temperature, topP, topK, maxNewTokens, seed, stopStrings, ignore);
  }

  /** The generator's parameters, with {@code extraStops} (the template's) added. */
  public SamplingParams samplingParams(List<String> extraStops) {
    List<String> stops = new ArrayList<>(stopStrings);
    for (String s : extraStops) {
      if (!stops.contains(s)) {
        stops.add(s);
      }
    }
    return SamplingParams.defaults().withTemperature(temperature).withTopP(topP).withTopK(topK)
        .withSeed(seed).withMaxNewTokens(maxNewTokens).withStopStrings(stops)
        .withIgnoreEos(ignoreEos);
  }

  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("temperature", temperature);
    o.put("top_p", topP);
    o.put("top_k", topK);
    o.put("max_new_tokens", maxNewTokens);
    if (seed != null) {
      o.put("seed", seed);
    }
    if (!stopStrings.isEmpty()) {
      var a = o.putArray("stop");
      stopStrings.forEach(a::add);
    }
    if (ignoreEos) {
      o.put("ignore_eos", true);
    }
    return o.toString();
  }

  /** Reads {@link #toJson()}'s form; missing fields take the defaults, null or "" gives them all. */
  public static ChatSettings fromJson(String json) {
    ChatSettings d = defaults();
    if (json == null || json.isBlank()) {
      return d;
    }
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (Exception e) {
      throw new TemperException("conversation settings are not valid JSON: " + e.getMessage(),
          e);
    }
    List<String> stops = new ArrayList<>();
    o.path("stop").forEach(n -> stops.add(n.asText()));
    return new ChatSettings(o.path("temperature").asDouble(d.temperature()),
        o.path("top_p").asDouble(d.topP()), o.path("top_k").asInt(d.topK()),
        o.path("max_new_tokens").asInt(d.maxNewTokens()),
        o.hasNonNull("seed") ? o.get("seed").asLong() : null, stops,
        o.path("ignore_eos").asBoolean(false));
  }
}
