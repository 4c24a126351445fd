package ai.temper.engine.model.hf;

import ai.temper.engine.FileErrors;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weights of a model directory: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({"metadata": {"total_size": N}, "weight_map":
 * {tensor: shard file}}), as Hugging Face writes them.
 */
public final class SafetensorsIndex {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** Tensors read from a directory, and the file each came from (for error messages). */
  public record Weights(Map<String, Tensor> tensors, Map<String, Path> files) {
    public Path fileOf(String name) {
      return files.get(name);
    }
  }

  private SafetensorsIndex() {}

  /** Whether {@code dir} holds safetensors weights (single file or index). */
  public static boolean hasWeights(Path dir) {
    return Files.isRegularFile(dir.resolve(SINGLE_FILE)) || Files.isRegularFile(dir.resolve(INDEX_FILE))
        || !otherSafetensors(dir).isEmpty();
  }

  /** Reads all weights of {@code dir}. Pickle checkpoints are refused, never opened. */
  public static Weights read(Path dir) {
    return read(dir, false);
  }

  /**
   * Reads the weights of {@code dir}; with {@code stored} the tensors stay in their files
   * ({@link Tensor#stored}) and only the headers are read now.
   */
  public static Weights read(Path dir, boolean stored) {
    Path index = dir.resolve(INDEX_FILE);
    Path single = dir.resolve(SINGLE_FILE);
    if (Files.isRegularFile(index)) {
      return readSharded(dir, index, stored);
    }
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(single)) {
      files.add(single);
    } else {
      files.addAll(otherSafetensors(dir));
    }
    if (files.isEmpty()) {
      List<Path> pickles = pickleFiles(dir);
      if (!pickles.isEmpty()) {
        throw new TemperException(pickles.get(0) + ": " + SafetensorsFile.PICKLE_ADVICE);
      }
      throw new TemperException(dir + ": no model weights (expected " + SINGLE_FILE + " or "
          + INDEX_FILE + ")");
    }
    if (files.size() > 1) {
      throw new TemperException(dir + ": several .safetensors files but no " + INDEX_FILE
          + " saying which tensors they hold: " + files);
    }
    return readFiles(Map.of(), files, stored);
  }

  private static Weights readSharded(Path dir, Path index, boolean stored) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(index));
    } catch (IOException e) {
      throw new TemperException(index + ": cannot read the shard index: " + FileErrors.reason(e), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new TemperException(index + ": no weight_map in the shard index");
    }
    Map<String, String> expected = new LinkedHashMap<>();
    Set<String> shardNames = new LinkedHashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      var e = it.next();
      String shard = e.getValue().asText();
      if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")) {
        throw new TemperException(index + ": tensor '" + e.getKey() + "' names an invalid shard '"
            + shard + "'");
      }
      expected.put(e.getKey(), shard);
      shardNames.add(shard);
    }
    List<Path> shards = new ArrayList<>();
    for (String s : shardNames) {
      Path p = dir.resolve(s);
      if (!Files.isRegularFile(p)) {
        throw new TemperException(index + ": shard '" + s + "' is missing from " + dir);
      }
      shards.add(p);
    }
    return readFiles(expected, shards, stored);
  }

  private static Weights readFiles(Map<String, String> expected, List<Path> files,
      boolean stored) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, Path> from = new LinkedHashMap<>();
    for (Path p : files) {
      try (SafetensorsFile f = SafetensorsFile.open(p)) {
        for (SafetensorsFile.Entry e : f.entries()) {
          if (!expected.isEmpty() && !p.getFileName().toString().equals(expected.get(e.name()))) {
            // a tensor the index puts elsewhere (or nowhere) is a leftover: the index decides
            continue;
          }
          if (tensors.containsKey(e.name())) {
            throw new TemperException(p + ": tensor '" + e.name() + "' also appears in "
                + from.get(e.name()));
          }
          tensors.put(e.name(), stored ? Tensor.stored(p, e) : f.read(e));
          from.put(e.name(), p);
        }
      }
    }
    for (var e : expected.entrySet()) {
      if (!tensors.containsKey(e.getKey())) {
        throw new TemperException(files.get(0).resolveSibling(e.getValue()) + ": tensor '"
            + e.getKey() + "' listed in " + INDEX_FILE + " is not in this shard");
      }
    }
    return new Weights(tensors, from);
  }

  /**
   * Writes {@code tensors} into {@code dir}: one {@code model.safetensors} when they fit in
   * {@code maxShardBytes}, else {@code model-0000i-of-0000n.safetensors} shards (names in
   * sorted order, none larger than the limit unless one tensor alone is) and the index.
   * Returns the files written.
   */
  public static List<Path> write(Path dir, Map<String, Tensor> tensors, DType dtype,
      long maxShardBytes) {
    Map<String, Tensor> sorted = new TreeMap<>(tensors);
    long total = SafetensorsWriter.dataBytes(sorted, dtype);
    if (total <= maxShardBytes) {
      Path f = dir.resolve(SINGLE_FILE);
      SafetensorsWriter.write(f, sorted, dtype);
      return List.of(f);
    }
    List<Map<String, Tensor>> shards = new ArrayList<>();
    Map<String, Tensor> current = new TreeMap<>();
    long size = 0;
    for (var e : sorted.entrySet()) {
      long b = e.getValue().numel() * dtype.bytes();
      if (!current.isEmpty() && size + b > maxShardBytes) {
        shards.add(current);
        current = new TreeMap<>();
        size = 0;
      }
      current.put(e.getKey(), e.getValue());
      size += b;
    }
    shards.add(current);
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      Path f = dir.resolve(name);
      SafetensorsWriter.write(f, shards.get(i), dtype);
      shards.get(i).keySet().forEach(k -> weightMap.put(k, name));
      written.add(f);
    }
    Path idx = dir.resolve(INDEX_FILE);
    try {
      Files.writeString(idx, JSON.writeValueAsString(index) + "\n");
    } catch (IOException e) {
      throw new TemperException(idx + ": cannot write: " + e.getMessage(), e);
    }
    written.add(idx);
    return written;
  }

  private static List<Path> otherSafetensors(Path dir) {
    return list(dir, ".safetensors");
  }

  /** PyTorch pickle checkpoints in {@code dir} (by name; never opened beyond a peek). */
  static List<Path> pickleFiles(Path dir) {
    List<Path> out = new ArrayList<>(list(dir, ".bin"));
    out.addAll(list(dir, ".pt"));
    out.addAll(list(dir, ".pth"));
    out.addAll(list(dir, ".ckpt"));
    return out;
  }

  private static List<Path> list(Path dir, String suffix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
          .sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
