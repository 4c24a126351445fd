package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * SHA-256 over the files that make a model what it is: a llama2.c checkpoint and its tokenizer,
 * or the files of a Hugging Face folder (config, weights, tokenizer, template), but not the
 * optimizer state or trainer bookkeeping a checkpoint folder also holds. Equal hashes mean the
 * same model wherever it lies, so a stored evaluation is found again after a copy or a move.
 */
public final class ModelHash {
  private static final Set<String> IGNORED = Set.of("optimizer.safetensors",
      "trainer_state.json", "training_args.json", "README.md");
  /** Hashes by (path, size, mtime): a model hashed once in a process is not read again. */
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private ModelHash() {}

  public static String of(Path model, Path tokenizerOrNull) {
    List<Path> files = new ArrayList<>();
    try {
      if (Files.isDirectory(model)) {
        try (Stream<Path> s = Files.list(model)) {
          s.filter(Files::isRegularFile)
              .filter(p -> !IGNORED.contains(p.getFileName().toString()))
              .sorted().forEach(files::add);
        }
      } else {
        files.add(model);
      }
      if (tokenizerOrNull != null && Files.isRegularFile(tokenizerOrNull)) {
        files.add(tokenizerOrNull);
      }
      MessageDigest all = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        all.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        all.update((byte) 0);
        all.update(fileHash(f).getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(all.digest());
    } catch (IOException e) {
      throw new TemperException(model + ": cannot read to hash it: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String fileHash(Path f) throws IOException, NoSuchAlgorithmException {
    String key = f.toAbsolutePath() + "|" + Files.size(f) + "|"
        + Files.getLastModifiedTime(f).toMillis();
    String known = CACHE.get(key);
    if (known != null) {
      return known;
    }
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(f)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    String h = HexFormat.of().formatHex(d.digest());
    CACHE.put(key, h);
    return h;
  }
}
