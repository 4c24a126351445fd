package ai.temper.engine.eval;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A named list of tasks, each marked development (tune on it) or unseen (held out, run only at
 * the end), read from YAML:
 *
 * <pre>
 * name: tulu-dev
 * description: ...
 * tasks:
 *   - name: gsm8k
 *     type: generate            # generate | perplexity | rm_accuracy | win_rate
 *     data: gsm8k-test          # workbench dataset, JSONL file (relative to this file) or resource:
 *     split: development        # development | unseen
 *     scorer: gsm8k             # gsm8k | math | ifeval | exact | prefix
 *     fewshot: resource:eval/fewshot/gsm8k-cot-8.jsonl
 *     shots: 8
 *     format: raw               # raw (Question:/Answer:) | plain (text continues) | chat
 *     max_new_tokens: 256
 *     stop: ["Question:", "\n\n"]
 *     limit: 200
 * </pre>
 *
 * Built-in suites live on the class path under {@code eval/suites/}.
 */
public record EvalSuite(String name, String description, List<EvalTask> tasks, String source) {
  public static final String RESOURCE = "resource:";
  private static final String BUILTIN_DIR = "eval/suites/";
  private static final ObjectMapper YAML = Json.YAML;
  private static final Set<String> SUITE_FIELDS = Set.of("name", "description", "tasks");
  private static final Set<String> TASK_FIELDS = Set.of("name", "type", "data", "split",
      "scorer", "fewshot", "shots", "format", "max_new_tokens", "stop", "limit", "judge");
  private static final Set<String> SCORERS = Set.of("gsm8k", "math", "ifeval", "exact",
      "prefix");

  public EvalSuite {
    tasks = List.copyOf(tasks);
  }

  /** The built-in suite names. */
  public static List<String> builtinNames() {
    String index = readResource(BUILTIN_DIR + "index.txt");
    List<String> out = new ArrayList<>();
    for (String line : index.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        out.add(line.strip());
      }
    }
    return out;
  }

  /** A suite file, or a built-in suite by name. */
  public static EvalSuite resolve(String nameOrFile) {
    Path p = Path.of(nameOrFile);
    if (Files.isRegularFile(p)) {
      return load(p);
    }
    if (builtinNames().contains(nameOrFile)) {
      String res = BUILTIN_DIR + nameOrFile + ".yaml";
      return parse(readResource(res), RESOURCE + res, null);
    }
    throw new TemperException("No suite '" + nameOrFile + "': neither a file nor a built-in "
        + "suite (built in: " + String.join(", ", builtinNames()) + ")");
  }

  public static EvalSuite load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new TemperException("Cannot read suite " + file + ": " + e.getMessage(), e);
    }
    Path dir = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), dir);
  }

  /** Parses suite YAML; relative file paths resolve against {@code baseDir} (may be null). */
  public static EvalSuite parse(String yaml, String source, Path baseDir) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new TemperException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new TemperException(source + ": a suite is a mapping with name and tasks");
    }
    unknown(root, SUITE_FIELDS, source + ": ");
    String name = text(root, "name", source + ": ");
    if (name == null || name.isBlank()) {
      throw new TemperException(source + ": field 'name' is missing");
    }
    JsonNode list = root.get("tasks");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new TemperException(source + ": field 'tasks' must be a non-empty list");
    }
    List<EvalTask> tasks = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int i = 0;
    for (JsonNode t : list) {
      i++;
      tasks.add(task(t, source + ": task " + i, baseDir));
      if (!names.add(tasks.get(tasks.size() - 1).name())) {
        throw new TemperException(source + ": task " + i + ": name '"
            + tasks.get(tasks.size() - 1).name() + "' is used twice");
      }
    }
    return new EvalSuite(name, text(root, "description", source + ": "), tasks, source);
  }

  private static EvalTask task(JsonNode t, String where, Path baseDir) {
    if (!t.isObject()) {
      throw new TemperException(where + ": a task is a mapping of field: value");
    }
    String name = text(t, "name", where + ": ");
    if (name == null || name.isBlank()) {
      throw new TemperException(where + ": field 'name' is missing");
    }
    where = where + " '" + name + "': ";
    unknown(t, TASK_FIELDS, where);
    String typeText = text(t, "type", where);
    TaskType type;
    try {
      type = TaskType.of(typeText == null ? "generate" : typeText);
    } catch (TemperException e) {
      throw new TemperException(where + "field 'type': " + e.getMessage());
    }
    String data = text(t, "data", where);
    if (data == null || data.isBlank()) {
      throw new TemperException(where + "field 'data' is missing (a dataset name or a file)");
    }
    String split = text(t, "split", where);
    if (split != null && !split.equals("development") && !split.equals("unseen")) {
      throw new TemperException(where + "field 'split' must be development or unseen, not '"
          + split + "'");
    }
    String scorer = text(t, "scorer", where);
    if (type == TaskType.GENERATE) {
      if (scorer == null) {
        throw new TemperException(where + "field 'scorer' is missing (one of " + SCORERS + ")");
      }
      if (!SCORERS.contains(scorer)) {
        throw new TemperException(where + "field 'scorer': unknown scorer '" + scorer
            + "' (one of " + SCORERS + ")");
      }
    }
    String fewshot = text(t, "fewshot", where);
    int shots = integer(t, "shots", fewshot == null ? 0 : 8, where);
    if (shots < 0 || shots > 64) {
      throw new TemperException(where + "field 'shots' must be in 0..64");
    }
    if (shots > 0 && fewshot == null) {
      throw new TemperException(where + "field 'shots' needs 'fewshot' (where the worked "
          + "examples come from)");
    }
    String format = text(t, "format", where);
    // answers judged against reference answers are chat replies
    format = format != null ? format : type == TaskType.WIN_RATE ? EvalTask.CHAT : EvalTask.RAW;
    if (!List.of(EvalTask.RAW, EvalTask.PLAIN, EvalTask.CHAT).contains(format)) {
      throw new TemperException(where + "field 'format' must be raw, plain or chat");
    }
    int maxNew = integer(t, "max_new_tokens", 256, where);
    if (maxNew < 1) {
      throw new TemperException(where + "field 'max_new_tokens' must be positive");
    }
    List<String> stop = new ArrayList<>();
    JsonNode s = t.get("stop");
    if (s != null && !s.isNull()) {
      if (s.isTextual()) {
        stop.add(s.asText());
      } else if (s.isArray()) {
        s.forEach(x -> stop.add(x.asText()));
      } else {
        throw new TemperException(where + "field 'stop' must be a string or a list of strings");
      }
      if (stop.stream().anyMatch(String::isEmpty)) {
        throw new TemperException(where + "field 'stop' has an empty string");
      }
    }
    Integer limit = t.has("limit") && !t.get("limit").isNull() ? integer(t, "limit", 0, where)
        : null;
    if (limit != null && limit < 1) {
      throw new TemperException(where + "field 'limit' must be positive");
    }
    String judge = text(t, "judge", where);
    if (type == TaskType.WIN_RATE && judge == null) {
      throw new TemperException(where + "field 'judge' is missing (the reward model that "
          + "judges, a library name or a path)");
    }
    return new EvalTask(name, type, resolvePath(data, baseDir), "unseen".equals(split),
        scorer, fewshot == null ? null : resolvePath(fewshot, baseDir), shots, format, maxNew,
        stop, limit, judge == null ? null : resolvePath(judge, baseDir));
  }

  /** A relative path that exists next to the suite file becomes absolute; names stay. */
  private static String resolvePath(String ref, Path baseDir) {
    if (ref.startsWith(RESOURCE)) {
      return ref;
    }
    Path p = Path.of(ref);
    if (p.isAbsolute()) {
      return p.normalize().toString();
    }
    if (baseDir != null && Files.exists(baseDir.resolve(p))) {
      return baseDir.resolve(p).toAbsolutePath().normalize().toString();
    }
    return ref;
  }

  private static void unknown(JsonNode o, Set<String> known, String where) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new TemperException(where + "unknown field '" + f + "' (fields: "
            + known.stream().sorted().toList() + ")");
      }
    }
  }

  private static String text(JsonNode o, String field, String where) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new TemperException(where + "field '" + field + "' must be text");
    }
    return v.asText();
  }

  private static int integer(JsonNode o, String field, int dflt, String where) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.canConvertToInt() || !(v.isIntegralNumber() || v.asText().matches("-?\\d+"))) {
      throw new TemperException(where + "field '" + field + "' must be a whole number, not '"
          + v.asText() + "'");
    }
    return v.isNumber() ? v.asInt() : Integer.parseInt(v.asText());
  }

  /** The text of a class-path resource. */
  public static String readResource(String path) {
    try (InputStream in = EvalSuite.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new TemperException("Missing built-in resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new TemperException("Cannot read built-in resource " + path + ": " + e.getMessage(),
          e);
    }
  }

  /** Tasks of this suite that run: development ones, and unseen ones if asked for. */
  public List<EvalTask> runnable(boolean includeUnseen) {
    return tasks.stream().filter(t -> includeUnseen || !t.unseen()).toList();
  }
}
