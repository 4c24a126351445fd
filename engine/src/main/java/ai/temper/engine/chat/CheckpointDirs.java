package ai.temper.engine.chat;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds what to load when the user picks a run's output folder rather than one checkpoint: the
 * newest checkpoint saved there so far. Trainers write each checkpoint into a hidden staging
 * folder and rename it into place ({@code step-N}, or transformers' {@code checkpoint-N}), so
 * a visible numbered folder with a config.json is complete, and reading it never touches
 * files the run is still writing. Hidden folders (staging, partial writes) are never chosen.
 */
public final class CheckpointDirs {
  private static final Pattern NUMBERED = Pattern.compile("(?:step|checkpoint)-(\\d+)");

  private CheckpointDirs() {}

  /**
   * {@code path} itself when it is a model (a llama2.c file or a folder with config.json),
   * else the newest complete checkpoint folder inside it.
   */
  public static Path resolve(Path path) {
    if (!Files.exists(path)) {
      throw new TemperException(path + ": no such file or folder");
    }
    if (!Files.isDirectory(path) || Files.isRegularFile(path.resolve("config.json"))) {
      return path;
    }
    return latest(path).orElseThrow(() -> new TemperException(path + ": neither a model "
        + "(no config.json) nor a run folder with a saved checkpoint (step-N) yet"));
  }

  /** The complete numbered checkpoint with the highest step under {@code runDir}, if any. */
  public static Optional<Path> latest(Path runDir) {
    try (Stream<Path> s = Files.list(runDir)) {
      return s.filter(p -> step(p) >= 0)
          .filter(p -> Files.isRegularFile(p.resolve("config.json")))
          .max(Comparator.comparingLong(CheckpointDirs::step));
    } catch (IOException e) {
      throw new TemperException(runDir + ": cannot list: " + e.getMessage(), e);
    }
  }

  /** The step of a numbered checkpoint folder, or -1 for anything else. */
  static long step(Path p) {
    Matcher m = NUMBERED.matcher(p.getFileName().toString());
    return m.matches() && Files.isDirectory(p) ? Long.parseLong(m.group(1)) : -1;
  }
}
