package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code temper verify} and {@code temper samples story-world} on stories260K. */
class VerifyCommandTest {
  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");
  @TempDir Path dir;

  @Test
  void scoresAModelOnRlvrRowsWithAPerVerifierTable() throws Exception {
    assumeTrue(Files.exists(MODEL), "../shared/models/stories260K is absent: skipping");
    String home = dir.resolve("home").toString();
    CliRunner.Result s = CliRunner.run("--home", home, "samples", "story-world", "--out",
        dir.resolve("sw").toString(), "--train", "8", "--heldout", "4");
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.out().lines()).hasSize(3);
    // the held-out story prompts plus two GSM8K rows: one verifier table line each
    Path rows = dir.resolve("mixed.jsonl");
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(
        dir.resolve("sw/rlvr-heldout.jsonl")));
    lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"1+1?\"}], "
        + "\"ground_truth\": \"2\", \"dataset\": \"gsm8k\"}");
    lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"2+2?\"}], "
        + "\"ground_truth\": \"4\", \"dataset\": \"gsm8k\"}");
    Files.write(rows, lines);
    CliRunner.Result r = CliRunner.run("--home", home, "verify", "--dataset", rows.toString(),
        "--model", MODEL.toString(), "--samples", "2", "--max-new-tokens", "16",
        "--threads", "1");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> out = r.out().lines().toList();
    assertThat(out.get(0)).startsWith("pass rate ").contains("of 12 completions, 6 prompts x 2");
    assertThat(out).anySatisfy(l -> assertThat(l).startsWith("gsm8k").contains(" 2 "));
    assertThat(out).anySatisfy(l -> assertThat(l).startsWith("ifeval").contains(" 4 "));
    CliRunner.Result bad = CliRunner.run("--home", home, "verify", "--dataset",
        dir.resolve("nothing.jsonl").toString(), "--model", MODEL.toString());
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("nothing.jsonl");
  }
}
