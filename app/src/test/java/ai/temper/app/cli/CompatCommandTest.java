package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The open-instruct / TRL commands as a user types them. */
class CompatCommandTest {
  private static final Path CONFIGS = Path.of("engine/src/test/resources/configs");
  private static final Path LAYOUTS = Path.of("engine/src/test/resources/data-layouts");
  @TempDir Path home;

  @Test
  void importConfigWritesTheTemperConfigAndListsWhatItLeft() throws Exception {
    Path out = home.resolve("dpo.yaml");
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "train", "import-config",
        CONFIGS.resolve("open-instruct/tulu3_dpo_8b.yaml").toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("wrote " + out + " (temper train dpo --config " + out + ")")
        .contains("not carried over:").contains("with_tracking = true: no effect here");
    // gradient_checkpointing is a Temper field now: carried over, not left behind
    assertThat(r.out()).doesNotContain("gradient_checkpointing");
    assertThat(Files.readString(out)).contains("gradient_checkpointing: true")
        .contains("loss_type: dpo_norm").contains("beta: 5")
        .contains("num_train_epochs: 1  # was num_epochs");
    // without --out: the config on stdout, the leftovers as comments
    r = CliRunner.run("--home", home.toString(), "train", "import-config",
        CONFIGS.resolve("trl/sft_lora.sh").toString());
    assertThat(r.out()).contains("lora_rank: 32  # was lora_r").contains("# kind: sft")
        .contains("#   ").contains("push_to_hub");
    r = CliRunner.run("--home", home.toString(), "train", "import-config",
        home.resolve("nope.yaml").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nope.yaml");
  }

  @Test
  void fieldsListAliasesAndIgnoredSettings() {
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "train", "fields", "dpo");
    assertThat(r.out()).contains("also: max_length (TRL)")
        .contains("also: clip_grad_norm (open-instruct); -1: no clipping")
        .contains("Accepted with no effect").contains("use_flash_attn");
  }

  @Test
  void csvImportWithColumnsThenParquetExport() throws Exception {
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "datasets", "import",
        LAYOUTS.resolve("questions.csv").toString(), "--name", "q", "--columns",
        "prompt=question,completion=answer");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Imported 3 rows into 'q' (messages, from prompt-completion)");
    Path pq = home.resolve("q.parquet");
    r = CliRunner.run("--home", home.toString(), "datasets", "export", "q", "--out",
        pq.toString(), "--format", "prompt-completion");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(new String(Files.readAllBytes(pq), 0, 4, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("PAR1");
  }
}
