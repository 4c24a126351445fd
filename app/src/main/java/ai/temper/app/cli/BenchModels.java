package ai.temper.app.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The models a speed benchmark measures (mix in with {@code @Mixin}): a real one, stories260K
 * unless {@code --model} names another ('none' skips it), and a random model of the stories15M
 * shape unless {@code --no-random-15m}.
 */
public final class BenchModels {
  @Option(names = "--model", paramLabel = "PATH",
      defaultValue = "../shared/models/stories260K/stories260K.bin",
      description = "Real model to measure (default ${DEFAULT-VALUE}); 'none' to skip.")
  String model;

  @Option(names = "--no-random-15m", description = "Skip the random stories15M-shape model.")
  boolean skipRandom;

  /** The real model's file; null when {@code --model none}. */
  public Path real() {
    return model.equals("none") ? null : Path.of(model);
  }

  /** The real model's name in the results: its file name without {@code .bin}. */
  public String realName() {
    return real().getFileName().toString().replaceFirst("\\.bin$", "");
  }

  /** Whether the random stories15M-shape model is measured too. */
  public boolean random() {
    return !skipRandom;
  }
}
