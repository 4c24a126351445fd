package ai.temper.engine.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared stories260K files, or a skipped test when ../shared is absent. */
public final class Stories260K {
  public static final Path DIR = Path.of("../shared/models/stories260K");
  public static final Path MODEL = DIR.resolve("stories260K.bin");
  public static final Path TOKENIZER = DIR.resolve("tok512.bin");
  public static final Path REFERENCE = Path.of("../shared/reference/stories260K-greedy-256.txt");
  public static final Path REFERENCE_LILY =
      Path.of("../shared/reference/stories260K-greedy-256-lily-and-ben.txt");

  private Stories260K() {}

  public static void assumePresent() {
    assumeTrue(Files.exists(MODEL) && Files.exists(TOKENIZER) && Files.exists(REFERENCE),
        "../shared/models/stories260K is absent: skipping");
  }
}
