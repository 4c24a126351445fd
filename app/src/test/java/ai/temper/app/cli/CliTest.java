package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path home;

  @Test
  void helpListsTheCommandsWithoutOpeningTheHome() {
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: temper").contains("runs").contains("jobs")
        .contains("--home");
    assertThat(home.resolve("temper.mv.db")).doesNotExist();
  }

  @Test
  void versionPrintsTheVersion() {
    CliRunner.Result r = CliRunner.run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("temper ").contains("\nlibtorch ").contains("\ndevice ")
        .contains("\ntraining precision ");
  }

  @Test
  void aBadPrecisionIsOneLineNamingTheOption() {
    CliRunner.Result r = CliRunner.run("--precision", "fp8", "runs", "list");
    assertThat(r.code()).isNotZero();
    assertThat(r.err().strip())
        .isEqualTo("temper: --precision 'fp8': expected auto, fp32, fp16 or bf16");
  }

  @Test
  void runsListOnANewHomeCreatesTheDatabaseAndPrintsAnEmptyTableTwice() {
    for (int i = 0; i < 2; i++) {
      CliRunner.Result r = CliRunner.run("--home", home.toString(), "runs", "list");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out().strip()).startsWith("ID").contains("STATUS");
      assertThat(r.out().strip().lines()).hasSize(1);
    }
    assertThat(home.resolve("temper.mv.db")).exists();
  }

  @Test
  void truncatedDatabaseFailsWithOneClearLineAndIsLeftAsItWas() throws Exception {
    assertThat(CliRunner.run("--home", home.toString(), "runs", "list").code()).isZero();
    Path db = home.resolve("temper.mv.db");
    byte[] all = Files.readAllBytes(db);
    byte[] half = Arrays.copyOf(all, all.length / 2);
    Files.write(db, half);

    CliRunner.Result r = CliRunner.run("--home", home.toString(), "runs", "list");
    assertThat(r.code()).isNotZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains(db.toString()).contains("damaged").doesNotContain("Exception");
    assertThat(Files.readAllBytes(db)).isEqualTo(half);
  }

  @Test
  void unknownRunIsAClearError() {
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "runs", "show", "42");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("temper: No run with id 42.");
  }

  @Test
  void guiWithoutADisplaySaysSoInOneLine() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "ai.temper.app.Main", "--home", home.toString());
    pb.environment().remove("DISPLAY");
    pb.environment().remove("WAYLAND_DISPLAY");
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).isEqualTo(2);
    assertThat(err.strip().lines()).hasSize(1);
    assertThat(err).contains("no display").doesNotContain("Exception");
  }

  @Test
  void aConfigErrorPrintsNoRunIdAndCreatesNoRun() throws Exception {
    Path yaml = home.resolveSibling(home.getFileName() + "-bad.yaml");
    Files.writeString(yaml, "model_name_or_path: /no/such/model.bin\n"
        + "dataset_mixer_list: [samples/chat-stories.jsonl, 1.0]\n");
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "train", "sft", "--config",
        yaml.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("model_name_or_path").contains("/no/such/model.bin");
    r = CliRunner.run("--home", home.toString(), "train", "sft", "--config", yaml.toString(),
        "--set", "max_seq_length=1");
    assertThat(r.err()).contains("max_seq_length");
    assertThat(CliRunner.run("--home", home.toString(), "runs", "list").out().strip().lines())
        .hasSize(1);
  }

  @Test
  void runsAreRenamedAndTaggedFromTheCommandLine() {
    try (ai.temper.engine.Workbench wb = ai.temper.engine.Workbench.open(home)) {
      wb.db().runs().create("sft", "sft stories260K", "seed: 1", "m", "d", null);
    }
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "runs", "label", "1",
        "--name", "warm-up", "--tags", "hh,baseline");
    assertThat(r.code()).as(r.err()).isZero();
    r = CliRunner.run("--home", home.toString(), "runs", "show", "1");
    assertThat(r.out()).contains("name:        warm-up").contains("tags:        baseline, hh");
  }
}
