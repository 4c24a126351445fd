package ai.temper.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

  /** Parses {@code text}; malformed JSON is a {@link TemperException} naming {@code what}. */
  public static JsonNode parse(String text, String what) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new TemperException(what + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Reads a JSON file; errors name the file. */
  public static JsonNode read(Path file) {
    try {
      return MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new TemperException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Writes {@code value} to {@code file} as indented JSON with a final newline. */
  public static void write(Path file, Object value) {
    try {
      Files.writeString(file, PRETTY.writeValueAsString(value) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** {@code value} as compact JSON text (values the engine built cannot fail to write). */
  public static String toText(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
