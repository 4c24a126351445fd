package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.app.fault.ChildJvm;
import ai.temper.engine.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code temper train ...}: a real run, errors naming the field, and kill -9 then resume. */
class TrainCommandTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  @TempDir Path home;
  @TempDir Path dir;

  @BeforeAll
  static void oneThread() {
    // two cores shared with other builds: a second OpenMP thread only spins
    TorchRuntime.configure(1);
  }

  private Path config(String extra) throws Exception {
    Path f = dir.resolve("sft.yaml");
    Files.writeString(f, """
        model_name_or_path: %s
        dataset_mixer_list: [%s, 24]
        eval_fraction: 0
        max_seq_length: 128
        learning_rate: 3.0e-3
        max_train_steps: 9
        per_device_train_batch_size: 4
        warmup_ratio: 0.1
        save_steps: 3
        """.formatted(STORIES.toAbsolutePath(),
            Path.of("samples/chat-stories.jsonl").toAbsolutePath()) + extra);
    return f;
  }

  @Test
  void configErrorsNameTheFieldAndLine() throws Exception {
    Path f = config("lora_rank: many\n");
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "train", "sft", "--config",
        f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(f + ":10").contains("'lora_rank'").contains("integer")
        .doesNotContain("Exception");
    r = CliRunner.run("--home", home.toString(), "train", "sft", "--config", f.toString()
        .replace("sft.yaml", "missing.yaml"));
    assertThat(r.err()).contains("not found");
    r = CliRunner.run("--home", home.toString(), "train", "dpo", "--config",
        config("").toString(), "--set", "loss_type=apo_zero"); // a TRL loss Temper lacks
    assertThat(r.err()).contains("'loss_type'").contains("dpo, dpo_norm, simpo, ipo, hinge");
    assertThat(r.code()).isEqualTo(1);
  }

  @Test
  void everyAlgorithmHasItsSubcommandAndReadsTheConfigAsThatKind() throws Exception {
    for (String kind : List.of("pretrain", "sft", "dpo", "rm", "grpo", "ppo")) {
      CliRunner.Result r = CliRunner.run("train", kind, "--help");
      assertThat(r.code()).as(kind).isZero();
      assertThat(r.out()).contains("temper train " + kind + " ").contains("--config=FILE.yaml")
          .contains("--set=KEY=VALUE").contains("--threads=N");
    }
    assertThat(CliRunner.run("train", "--help").out()).contains("grpo").contains("resume")
        .contains("import-config");
    // grpo's own rule: the kind reaches the config
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "train", "grpo", "--config",
        config("").toString(), "--set", "num_samples_per_prompt_rollout=1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--set: field 'num_samples_per_prompt_rollout'")
        .contains("at least 2 for grpo");
    // pretraining needs no model (sft would say model_name_or_path is required)
    r = CliRunner.run("--home", home.toString(), "train", "pretrain", "--config",
        config("").toString(), "--set", "model_name_or_path=", "--set", "use_lora=true");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("field 'use_lora' needs a base model");
  }

  @Test
  void killMinusNineThenResumeMatchesAnUninterruptedRun() throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    Path cfg = config("");
    // the uninterrupted reference, in this process
    CliRunner.Result straight = CliRunner.run("--home", home.toString(), "train", "sft",
        "--config", cfg.toString());
    assertThat(straight.code()).as(straight.err()).isZero();
    List<String> out = straight.out().strip().lines().toList();
    assertThat(out).hasSize(2);
    long straightId = Long.parseLong(out.get(0));
    assertThat(Path.of(out.get(1))).endsWith(Path.of("run-" + straightId, "step-9"));

    // the same run in a child JVM, killed with SIGKILL right after its first checkpoint
    ChildJvm child = ChildJvm.start(dir.resolve("child.out"), null, "--home",
        home.toString(), "train", "sft", "--config", cfg.toString());
    child.awaitLine(line -> line.contains("saved checkpoint") && line.endsWith("step-3"));
    child.kill(); // SIGKILL: no shutdown hook, no cleanup
    List<String> seen = child.err;
    assertThat(String.join("\n", seen)).contains("step-3");
    long killedId = Long.parseLong(Files.readString(dir.resolve("child.out")).strip()
        .lines().findFirst().orElseThrow());

    CliRunner.Result shown = CliRunner.run("--home", home.toString(), "runs", "show",
        Long.toString(killedId));
    assertThat(shown.out()).contains("INTERRUPTED");
    CliRunner.Result resumed = CliRunner.run("--home", home.toString(), "train", "resume",
        Long.toString(killedId));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("resuming from").containsPattern("step-[36] ");
    assertThat(resumed.out().strip().lines().toList().get(1)).endsWith("step-9");

    List<double[]> a = losses(straightId);
    List<double[]> b = losses(killedId);
    assertThat(b).hasSize(9);
    for (int i = 0; i < 9; i++) {
      assertThat(b.get(i)[0]).isEqualTo(a.get(i)[0]);
      assertThat(b.get(i)[1]).as("loss at step " + (i + 1)).isCloseTo(a.get(i)[1], within(1e-6));
    }
  }

  /** (step, loss) rows of {@code temper runs metrics RUN --csv}. */
  private List<double[]> losses(long run) {
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "runs", "metrics",
        Long.toString(run), "--csv");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().strip().lines().toList();
    List<String> header = List.of(lines.get(0).split(","));
    int col = header.indexOf("loss");
    List<double[]> out = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] cells = l.split(",", -1);
      if (!cells[col].isEmpty()) {
        out.add(new double[] {Double.parseDouble(cells[0]), Double.parseDouble(cells[col])});
      }
    }
    return out;
  }
}
