package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** temper eval on stories260K: a table on stdout, reuse, unseen tasks, clear errors. */
class EvalCommandTest {
  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");

  @TempDir Path home;

  @Test
  void evaluatesStoresAndReusesOnTheSampleSuite() {
    assumeTrue(Files.exists(MODEL), "../shared/models/stories260K is absent: skipping");
    String[] args = {"--home", home.toString(), "eval", "--model", MODEL.toString(), "--suite",
        "samples/eval/suite.yaml", "--limit", "2", "--threads", "1"};
    CliRunner.Result first = CliRunner.run(args);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("suite samples").contains("story-cloze")
        .contains("exact_match").contains("prompt_level_loose_acc").contains("bits_per_byte")
        .contains("stored #").doesNotContain("reused")
        .contains("1 unseen task(s) not run");
    assertThat(first.out()).doesNotContain("stories-ppl-unseen");

    CliRunner.Result again = CliRunner.run(args);
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("reused #").doesNotContain("stored #");
    // the same numbers: the table rows match but for the result and seconds columns
    assertThat(values(again.out())).isEqualTo(values(first.out()));

    CliRunner.Result unseen = CliRunner.run("--home", home.toString(), "eval", "--model",
        MODEL.toString(), "--suite", "samples/eval/suite.yaml", "--limit", "2",
        "--include-unseen", "--threads", "1");
    assertThat(unseen.out()).contains("stories-ppl-unseen  UNSEEN");

    CliRunner.Result csv = CliRunner.run("--home", home.toString(), "eval", "results",
        "--csv");
    assertThat(csv.out().lines().findFirst().orElseThrow()).startsWith("model,run,step")
        .contains("stories-ppl-unseen:perplexity [unseen]");
  }

  @Test
  void aBadSuiteIsOneLineNamingTheFileAndField() throws Exception {
    Path suite = home.resolve("bad.yaml");
    Files.writeString(suite, "name: bad\ntasks:\n  - name: t\n    data: x.jsonl\n"
        + "    scorer: gsm8k\n    shots: many\n");
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "eval", "--model", "m",
        "--suite", suite.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains(suite.toString()).contains("'shots'").contains("many");
    assertThat(r.out()).isEmpty();
    CliRunner.Result none = CliRunner.run("--home", home.toString(), "eval", "--model", "m",
        "--suite", "nope");
    assertThat(none.err()).contains("No suite 'nope'").contains("stories");
  }

  /** Task, split, metric, value and interval of each table row. */
  private static String values(String out) {
    StringBuilder sb = new StringBuilder();
    for (String line : out.lines().toList()) {
      String[] f = line.trim().split("\\s{2,}");
      if (f.length >= 5 && !line.startsWith("TASK")) {
        sb.append(String.join("|", java.util.Arrays.copyOfRange(f, 0, 5))).append('\n');
      }
    }
    return sb.toString();
  }
}
