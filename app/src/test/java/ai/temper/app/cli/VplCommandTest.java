package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code temper samples annotators} and {@code temper train vpl} on the sample recipe. */
class VplCommandTest {
  @TempDir Path dir;

  @Test
  void generatedSetTrainsAVplRunWithMetricsAndWeights() throws Exception {
    Path set = dir.resolve("set.jsonl");
    CliRunner.Result g = CliRunner.run("samples", "annotators", "--scenario", "disagree",
        "--per-group", "2", "--pairs", "20", "--out", set.toString());
    assertThat(g.code()).as(g.err()).isZero();
    assertThat(Files.readAllLines(set)).hasSize(80)
        .allSatisfy(l -> assertThat(l).contains("\"annotator\":"));

    String home = dir.resolve("home").toString();
    CliRunner.Result r = CliRunner.run("--home", home, "train", "vpl", "--config",
        "samples/recipes/vpl.yaml", "--set", "dataset_mixer_list=" + set + ",1.0", "--set",
        "max_train_steps=40", "--set", "eval_steps=20");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().split("\n");
    long runId = Long.parseLong(lines[0].strip());
    assertThat(r.out()).contains("accuracy VPL", "brief-1", "detail-2", "(mean)");
    Path checkpoint = Path.of(lines[lines.length - 1].strip());
    assertThat(checkpoint.resolve("vpl.safetensors")).isNotEmptyFile();
    assertThat(Files.readString(checkpoint.resolve("vpl.json"))).contains("accuracy_vpl");
    try (Workbench wb = Workbench.open(Path.of(home))) {
      Run run = wb.db().runs().find(runId).orElseThrow();
      assertThat(run.kind()).isEqualTo("vpl");
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(wb.db().metrics().names(runId)).contains("loss", "kl", "eval_accuracy",
          "eval_accuracy_baseline", "eval_sigma");
    }

    CliRunner.Result bad = CliRunner.run("--home", home, "train", "vpl", "--config",
        "samples/recipes/vpl.yaml", "--set", "latent_dim=0");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("'latent_dim' must be positive");
  }
}
