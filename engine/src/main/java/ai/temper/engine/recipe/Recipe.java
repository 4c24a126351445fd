package ai.temper.engine.recipe;

import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A recipe file: a name and stages run in order, each naming its algorithm. Training stages
 * ({@code pretrain, sft, dpo, rm, ppo, grpo}) carry a {@code config} (an inline mapping of the
 * algorithm's fields, or a YAML file relative to the recipe); {@code eval} stages name a
 * {@code suite}; a {@code generate} stage writes the starter story world. An optional
 * {@code base} names the model the first training stage (and any eval stage before it) starts
 * from: a library model's name or a path. See README.
 */
public record Recipe(String name, Path file, String text, String base, List<Stage> stages) {
  public static final Set<String> ALGORITHMS = Set.of("generate", "pretrain", "sft", "dpo",
      "rm", "ppo", "grpo", "eval");
  static final ObjectMapper YAML = Json.YAML;

  /** One stage: its name, algorithm and the stage's YAML node. */
  public record Stage(String name, String algorithm, JsonNode node) {
    public boolean training() {
      return !algorithm.equals("eval") && !algorithm.equals("generate");
    }
  }

  public static Recipe load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new TemperException("Recipe file not found: " + file);
    } catch (IOException e) {
      throw new TemperException("Cannot read recipe " + file + ": " + FileErrors.reason(e), e);
    }
    return parse(text, file.toAbsolutePath().normalize());
  }

  public static Recipe parse(String text, Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new TemperException(file + ": not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new TemperException(file + ": a recipe is a mapping with 'name' and 'stages'");
    }
    JsonNode stagesNode = root.get("stages");
    if (stagesNode == null || !stagesNode.isArray() || stagesNode.isEmpty()) {
      throw new TemperException(file + ": field 'stages' must be a non-empty list");
    }
    List<Stage> stages = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < stagesNode.size(); i++) {
      JsonNode s = stagesNode.get(i);
      String where = file + ": stages[" + i + "]";
      if (!s.isObject()) {
        throw new TemperException(where + ": a stage is a mapping (name, algorithm, ...)");
      }
      String algorithm = s.path("algorithm").asText("");
      if (!ALGORITHMS.contains(algorithm)) {
        throw new TemperException(where + ": field 'algorithm' must be one of generate, "
            + "pretrain, sft, dpo, rm, ppo, grpo, eval; got '" + algorithm + "'");
      }
      String name = s.path("name").asText(algorithm);
      if (!names.add(name)) {
        throw new TemperException(where + ": stage name '" + name + "' is used twice");
      }
      Stage st = new Stage(name, algorithm, s);
      if (st.training() && !(s.path("config").isObject() || s.path("config").isTextual())) {
        throw new TemperException(where + " (" + name + "): field 'config' must be a mapping "
            + "of " + algorithm + " fields or a YAML file path");
      }
      if (algorithm.equals("eval") && !s.path("suite").isTextual()) {
        throw new TemperException(where + " (" + name + "): field 'suite' is required (a "
            + "suite file or built-in suite name)");
      }
      stages.add(st);
    }
    Path p = file.getFileName();
    String name = root.path("name").asText(p == null ? "recipe" : p.toString());
    JsonNode baseNode = root.get("base");
    if (baseNode != null && !(baseNode.isTextual() && !baseNode.asText().isBlank())) {
      throw new TemperException(file + ": field 'base' must be a model's name in the library "
          + "or a path");
    }
    return new Recipe(name, file, text, baseNode == null ? null : baseNode.asText().strip(),
        List.copyOf(stages));
  }

  public Path dir() {
    Path d = file.getParent();
    return d == null ? Path.of(".").toAbsolutePath() : d;
  }

  /** Identity of a recipe run: its file and text. */
  public String sha256() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(file.toString().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
