package ai.temper.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real data for the dataset tests, cut from ../shared/data. */
final class DataFixtures {
  static final Path GSM8K_TRAIN = Path.of("../shared/data/gsm8k/train.jsonl");
  static final Path GSM8K_TEST = Path.of("../shared/data/gsm8k/test.jsonl");
  static final Path HH = Path.of("../shared/data/hh-rlhf/harmless-base-test.jsonl.gz");

  private DataFixtures() {}

  static boolean present() {
    return Files.isRegularFile(GSM8K_TRAIN) && Files.isRegularFile(GSM8K_TEST)
        && Files.isRegularFile(HH);
  }

  static List<String> lines(Path file, int from, int count) throws IOException {
    List<String> all = Files.readAllLines(file);
    return new ArrayList<>(all.subList(from, Math.min(all.size(), from + count)));
  }
}
