package ai.temper.engine;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The one Jackson configuration of the engine. {@link #MAPPER} writes compact JSON (database
 * columns, JSON Lines); {@link #PRETTY} indents (files people open: config.json,
 * trainer_state.json); {@link #YAML} reads and writes recipes, suites and mixes. All three
 * ignore unknown properties when mapping to a type, so a record names only the fields it uses
 * of a file that other tools extend (Hugging Face configs grow a field every release).
 * Mappers are thread-safe once configured; nobody reconfigures these.
 */
public final class Json {
  public static final ObjectMapper MAPPER = configure(JsonMapper.builder().build());
  public static final ObjectMapper PRETTY = configure(JsonMapper.builder().build())
      .enable(SerializationFeature.INDENT_OUTPUT);
  public static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()));

  private Json() {}

  private static ObjectMapper configure(ObjectMapper m) {
    return m.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  /** A new empty JSON object. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }
}
