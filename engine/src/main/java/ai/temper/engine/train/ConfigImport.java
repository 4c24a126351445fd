package ai.temper.engine.train;

import ai.temper.engine.TemperException;
import ai.temper.engine.train.ConfigField.BadValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code temper train import-config}: reads an open-instruct or TRL config, as a YAML file
 * ({@code finetune.py --config}, {@code trl sft --config}) or as the command line that
 * launches their scripts ({@code python open_instruct/finetune.py --model_name_or_path ...},
 * {@code accelerate launch ... trl/scripts/dpo.py ...}, {@code trl dpo ...}), and writes the
 * Temper config: canonical field names, converted values, and the list of what could not be
 * carried over (fields with no effect here, unknown fields, values Temper cannot take).
 */
public final class ConfigImport {
  private ConfigImport() {}

  /** The imported config: its kind, Temper YAML, and what was left behind (one line each). */
  public record Result(TrainKind kind, String yaml, List<String> notCarried,
      TrainConfig config) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
  private static final Pattern YAML_KEY = Pattern.compile("^[A-Za-z_][\\w.-]*\\s*:.*");
  private static final Pattern OPTION = Pattern.compile("(^|\\s)--[A-Za-z]");

  /** One field as the source gave it, with its line. */
  private record Given(String name, JsonNode value, int line) {}

  /**
   * Imports {@code text} ({@code source} names it in messages); {@code kind} may be null to
   * tell it from the script name or the fields.
   */
  public static Result importConfig(String text, String source, TrainKind kind) {
    boolean commandLine = isCommandLine(text);
    List<Given> given = commandLine ? commandLine(text) : yaml(text, source);
    if (kind == null) {
      kind = commandLine ? kindOfScript(text) : null;
    }
    if (kind == null) {
      kind = kindOfFields(given);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> renamed = new LinkedHashMap<>();
    List<String> notCarried = new ArrayList<>();
    for (Given g : given) {
      String where = source + ":" + g.line() + ": ";
      String name = g.name();
      String ignored = ConfigAliases.ignoredReason(name);
      if (ignored != null) {
        notCarried.add(where + name + " = " + shown(g.value()) + ": no effect here (" + ignored
            + ")");
        continue;
      }
      String canonical = TrainConfig.canonical(name, kind);
      ConfigField f;
      try {
        f = TrainConfig.field(canonical);
      } catch (TemperException e) {
        notCarried.add(where + name + " = " + shown(g.value()) + ": unknown to Temper"
            + e.getMessage().replaceFirst("^[^(]*", " ").replaceAll("^ $", ""));
        continue;
      }
      if (out.containsKey(canonical)) {
        notCarried.add(where + name + ": '" + canonical + "' is already given (as '"
            + renamed.getOrDefault(canonical, canonical) + "'); this one is dropped");
        continue;
      }
      try {
        Object v = f.fromYaml(ConfigAliases.convert(name, g.value()));
        out.put(canonical, v);
        if (!canonical.equals(name)) {
          renamed.put(canonical, name);
        }
      } catch (BadValue e) {
        notCarried.add(where + name + " = " + shown(g.value()) + ": " + e.getMessage());
      }
    }
    String yaml = write(out, renamed, source, commandLine);
    TrainConfig config = TrainConfig.parse(yaml, source + " (imported)", kind);
    return new Result(kind, yaml, notCarried, config);
  }

  private static String write(Map<String, Object> values, Map<String, String> renamed,
      String source, boolean commandLine) {
    StringBuilder sb = new StringBuilder();
    sb.append("# imported from ").append(source).append(commandLine ? " (a command line)" : "")
        .append(" by temper train import-config\n");
    for (var e : values.entrySet()) {
      Object v = e.getValue() instanceof DatasetMix m ? m.toYaml() : e.getValue();
      Map<String, Object> one = new LinkedHashMap<>();
      one.put(e.getKey(), v);
      String text;
      try {
        text = YAML.writeValueAsString(one);
      } catch (JsonProcessingException ex) {
        throw new IllegalStateException(ex);
      }
      if (renamed.containsKey(e.getKey())) {
        int nl = text.indexOf('\n');
        text = text.substring(0, nl) + "  # was " + renamed.get(e.getKey()) + text.substring(nl);
      }
      sb.append(text);
    }
    return sb.toString();
  }

  private static String shown(JsonNode v) {
    String s = v.isTextual() ? v.asText() : v.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  // ---- YAML ------------------------------------------------------------------------------

  private static List<Given> yaml(String text, String source) {
    List<Given> out = new ArrayList<>();
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      p.setCodec(YAML);
      JsonToken t = p.nextToken();
      if (t == null) {
        return out;
      }
      if (t != JsonToken.START_OBJECT) {
        throw new TemperException(source + ": not a config (a YAML mapping of field: value, or "
            + "a command line with --field value options)");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int line = p.currentTokenLocation().getLineNr();
        p.nextToken();
        out.add(new Given(name, p.readValueAsTree(), line));
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new TemperException(source + (line > 0 ? ":" + line : "") + ": not valid YAML: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new TemperException(source + ": " + e.getMessage());
    }
    return out;
  }

  // ---- command lines -----------------------------------------------------------------------

  static boolean isCommandLine(String text) {
    for (String line : text.split("\n")) {
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      return !YAML_KEY.matcher(s).matches() && OPTION.matcher(text).find();
    }
    return false;
  }

  /** {@code --name value...} options of a shell command line (continuations, quotes). */
  private static List<Given> commandLine(String text) {
    List<String> words = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    int line = 1;
    StringBuilder cur = null;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < text.length()) {
          cur.append(text.charAt(++i));
        } else {
          if (c == '\n') {
            line++;
          }
          cur.append(c);
        }
        continue;
      }
      if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        i++;
        line++;
        continue;
      }
      if (c == '#' && cur == null) { // a comment up to the end of the line
        while (i + 1 < text.length() && text.charAt(i + 1) != '\n') {
          i++;
        }
        continue;
      }
      if (Character.isWhitespace(c)) {
        if (cur != null) {
          words.add(cur.toString());
          cur = null;
        }
        if (c == '\n') {
          line++;
        }
        continue;
      }
      if (cur == null) {
        cur = new StringBuilder();
        lines.add(line);
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else {
        cur.append(c);
      }
    }
    if (cur != null) {
      words.add(cur.toString());
    }
    List<Given> out = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (!w.startsWith("--") || w.length() < 3) {
        continue;
      }
      String name = w.substring(2).replace('-', '_');
      int at = lines.get(i);
      List<String> values = new ArrayList<>();
      int eq = name.indexOf('=');
      if (eq > 0) {
        values.add(name.substring(eq + 1));
        name = name.substring(0, eq);
      } else {
        while (i + 1 < words.size() && !words.get(i + 1).startsWith("--")) {
          values.add(words.get(++i));
        }
      }
      if (values.isEmpty()) {
        // a flag: --packing is true; --no_remove_unused_columns is remove_unused_columns false
        boolean negated = name.startsWith("no_") && !isKnown(name) && isKnown(name.substring(3));
        out.add(new Given(negated ? name.substring(3) : name,
            JsonNodeFactory.instance.booleanNode(!negated), at));
      } else if (values.size() == 1) {
        out.add(new Given(name, scalar(values.get(0)), at));
      } else {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(v -> a.add(scalar(v)));
        out.add(new Given(name, a, at));
      }
    }
    return out;
  }

  private static boolean isKnown(String name) {
    if (ConfigAliases.ignoredReason(name) != null || ConfigAliases.isAlias(name)) {
      return true;
    }
    try {
      TrainConfig.field(name);
      return true;
    } catch (TemperException e) {
      return false;
    }
  }

  private static JsonNode scalar(String s) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (s.equals("True") || s.equals("true")) {
      return f.booleanNode(true);
    }
    if (s.equals("False") || s.equals("false")) {
      return f.booleanNode(false);
    }
    if (s.equals("None")) {
      return f.nullNode();
    }
    try {
      return f.numberNode(Long.parseLong(s));
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      double d = Double.parseDouble(s);
      if (Double.isFinite(d)) {
        return f.numberNode(d);
      }
    } catch (NumberFormatException e) {
      // text
    }
    return f.textNode(s);
  }

  private static TrainKind kindOfScript(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    if (t.matches("(?s).*(dpo_tune|dpo\\.py|trl dpo).*")) {
      return TrainKind.DPO;
    }
    if (t.matches("(?s).*(grpo_fast\\.py|grpo\\.py|trl grpo).*")) {
      return TrainKind.GRPO;
    }
    if (t.matches("(?s).*(ppo_fast\\.py|ppo\\.py|trl ppo).*")) {
      return TrainKind.PPO;
    }
    if (t.matches("(?s).*(reward_modeling|reward\\.py|trl reward).*")) {
      return TrainKind.RM;
    }
    if (t.matches("(?s).*(finetune\\.py|sft\\.py|trl sft).*")) {
      return TrainKind.SFT;
    }
    return null;
  }

  private static TrainKind kindOfFields(List<Given> given) {
    for (Given g : given) {
      String c = g.name().equals("num_epochs") ? "" : ConfigAliases.canonical(g.name());
      if (c.equals(TrainConfig.BETA) || c.equals(TrainConfig.LOSS_TYPE)
          || c.equals(TrainConfig.SIMPO_RATIO)) {
        return TrainKind.DPO;
      }
      if (c.equals(TrainConfig.CENTER_REWARDS) || c.equals(TrainConfig.MARGIN)) {
        return TrainKind.RM;
      }
    }
    return TrainKind.SFT;
  }
}
