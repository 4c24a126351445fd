package ai.temper.engine.tokenizer;

import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files that make a Hugging Face tokenizer, in memory: tokenizer.json (kept as the exact
 * text, it can be large and is passed to the native tokenizer as is), tokenizer_config.json,
 * special_tokens_map.json (optional) and the chat template (from chat_template.jinja or
 * tokenizer_config's "chat_template"; null when the model has none).
 */
public record HfTokenizerFiles(String tokenizerJson, ObjectNode tokenizerConfig,
    ObjectNode specialTokensMap, String chatTemplate) {
  public static final String TOKENIZER_JSON = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
  public static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";
  static final ObjectMapper JSON = Json.PRETTY;

  public HfTokenizerFiles {
    if (tokenizerJson == null) {
      throw new IllegalArgumentException("tokenizer.json text is required");
    }
    if (tokenizerConfig == null) {
      tokenizerConfig = JSON.createObjectNode();
    }
  }

  /** Whether {@code dir} (or the file's directory) has a tokenizer.json. */
  public static boolean present(Path dirOrFile) {
    Path dir = Files.isDirectory(dirOrFile) ? dirOrFile : dirOrFile.getParent();
    return dir != null && Files.isRegularFile(dir.resolve(TOKENIZER_JSON));
  }

  /**
   * Reads the tokenizer files of {@code dirOrFile}: a model directory or its tokenizer.json.
   * A missing tokenizer.json fails naming the directory.
   */
  public static HfTokenizerFiles read(Path dirOrFile) {
    Path dir;
    Path json;
    if (Files.isDirectory(dirOrFile)) {
      dir = dirOrFile;
      json = dir.resolve(TOKENIZER_JSON);
    } else {
      json = dirOrFile;
      dir = dirOrFile.toAbsolutePath().getParent();
    }
    if (!Files.isRegularFile(json)) {
      String hint = Files.isRegularFile(dir.resolve("tokenizer.model"))
          ? " (only a sentencepiece tokenizer.model, which Temper does not read: save the "
              + "tokenizer with transformers to get tokenizer.json)"
          : "";
      throw new TemperException(dir + ": no tokenizer (" + TOKENIZER_JSON + " is missing)" + hint);
    }
    String text;
    try {
      text = Files.readString(json);
    } catch (IOException e) {
      throw new TemperException(json + ": cannot read: " + FileErrors.reason(e), e);
    }
    ObjectNode config = readObject(dir.resolve(TOKENIZER_CONFIG));
    ObjectNode special = readObject(dir.resolve(SPECIAL_TOKENS_MAP));
    String template = null;
    Path jinja = dir.resolve(CHAT_TEMPLATE_FILE);
    if (Files.isRegularFile(jinja)) {
      try {
        template = Files.readString(jinja);
      } catch (IOException e) {
        throw new TemperException(jinja + ": cannot read: " + FileErrors.reason(e), e);
      }
    } else if (config != null) {
      template = templateOf(config.get("chat_template"), dir.resolve(TOKENIZER_CONFIG));
    }
    return new HfTokenizerFiles(text, config, special, template);
  }

  /** chat_template is a string, or a list of {name, template} of which "default" is ours. */
  private static String templateOf(JsonNode n, Path where) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isArray()) {
      for (JsonNode t : n) {
        if ("default".equals(t.path("name").asText())) {
          return t.path("template").asText(null);
        }
      }
      return n.size() > 0 ? n.get(0).path("template").asText(null) : null;
    }
    throw new TemperException(where + ": chat_template is neither text nor a list");
  }

  private static ObjectNode readObject(Path p) {
    if (!Files.isRegularFile(p)) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(Files.readString(p));
      if (n == null || !n.isObject()) {
        throw new TemperException(p + ": not a JSON object");
      }
      return (ObjectNode) n;
    } catch (IOException e) {
      throw new TemperException(p + ": " + FileErrors.reason(e), e);
    }
  }

  /** The same files with another chat template (null keeps none). */
  public HfTokenizerFiles withChatTemplate(String template) {
    return new HfTokenizerFiles(tokenizerJson, tokenizerConfig, specialTokensMap, template);
  }

  /**
   * Writes tokenizer.json, tokenizer_config.json (with the chat template in it, where both
   * transformers 4 and 5 find it) and special_tokens_map.json into {@code dir}.
   */
  public void writeTo(Path dir) {
    ObjectNode config = tokenizerConfig.deepCopy();
    if (chatTemplate != null) {
      config.put("chat_template", chatTemplate);
    } else {
      config.remove("chat_template");
    }
    ObjectNode special = specialTokensMap;
    if (special == null) {
      special = JSON.createObjectNode();
      for (String k : new String[] {"bos_token", "eos_token", "unk_token", "pad_token"}) {
        JsonNode v = config.get(k);
        if (v != null && !v.isNull()) {
          special.set(k, v);
        }
      }
    }
    try {
      Files.writeString(dir.resolve(TOKENIZER_JSON), tokenizerJson);
      Files.writeString(dir.resolve(TOKENIZER_CONFIG), JSON.writeValueAsString(config) + "\n");
      Files.writeString(dir.resolve(SPECIAL_TOKENS_MAP), JSON.writeValueAsString(special) + "\n");
    } catch (IOException e) {
      throw new TemperException(dir + ": cannot write tokenizer files: " + e.getMessage(), e);
    }
  }
}
