package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.annotate.PluralSamples;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code temper samples annotators}: the multi-annotator preference sets VPL is shown on. */
@Command(name = "annotators", mixinStandardHelpOptions = true,
    description = "A multi-annotator preference set (JSON Lines; rows name their annotator):"
        + " 'disagree' has two groups preferring short vs long stories, 'agree' has everyone "
        + "preferring happy endings.")
final class SamplesAnnotatorsCommand implements Callable<Integer> {
  @Option(names = "--scenario", defaultValue = "disagree",
      description = "disagree or agree (default ${DEFAULT-VALUE}).") String scenario;
  @Option(names = "--out", required = true, paramLabel = "FILE.jsonl") Path out;
  @Option(names = "--per-group", defaultValue = "4",
      description = "Annotators per group (default ${DEFAULT-VALUE}).") int perGroup;
  @Option(names = "--pairs", defaultValue = "40",
      description = "Pairs per annotator (default ${DEFAULT-VALUE}).") int pairs;
  @Option(names = "--noise", defaultValue = "0.05",
      description = "Fraction of flipped labels (default ${DEFAULT-VALUE}).") double noise;
  @Option(names = "--seed", defaultValue = "1") long seed;

  @Override
  public Integer call() throws Exception {
    List<ObjectNode> rows = PluralSamples.generate(PluralSamples.Scenario.of(scenario),
        perGroup, pairs, noise, seed);
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp)) {
      for (ObjectNode r : rows) {
        w.write(r.toString());
        w.write('\n');
      }
    } catch (java.io.IOException e) {
      throw new TemperException("Cannot write " + out + ": " + e.getMessage());
    }
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    System.out.println(out.toAbsolutePath());
    System.err.println(rows.size() + " labelled pairs");
    return 0;
  }
}
