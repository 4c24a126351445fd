package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.app.fault.ChildJvm;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.store.RecipeRepository;
import ai.temper.engine.store.RecipeRepository.StageRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code temper recipe run}: the starter world generated, a tiny base pretrained on it, SFT
 * from that base, DPO from the SFT checkpoint, an evaluation; the process killed with SIGKILL
 * during DPO; the rerun skips the finished stages (SFT included), resumes the DPO run from its
 * checkpoint and prints the results table, the same table as an uninterrupted run of the same
 * recipe in a new home. Needs nothing outside the repository.
 */
class RecipeCommandTest {
  @TempDir Path home;
  @TempDir Path dir;
  @TempDir Path fresh;

  @BeforeAll
  static void oneThread() {
    TorchRuntime.configure(1);
  }

  private Path recipe() throws Exception {
    Path f = dir.resolve("tiny.yaml");
    Files.writeString(f, """
        name: tiny
        stages:
          - name: world
            algorithm: generate
            out: ${home}/world
            seed: 3
          - name: base
            algorithm: pretrain
            config:
              tokenizer_name: ${home}/world/tokenizer.bin
              model_size: tiny
              dataset_mixer_list: ["${home}/world/pretrain.jsonl", 64]
              eval_fraction: 0
              max_seq_length: 64
              learning_rate: 5.0e-3
              max_train_steps: 4
              per_device_train_batch_size: 4
              save_steps: 2
          - name: sft
            algorithm: sft
            config: sft.yaml
          - name: dpo
            algorithm: dpo
            config:
              dataset_mixer_list: ["${home}/world/prefs.jsonl", 32]
              eval_fraction: 0
              max_seq_length: 96
              beta: 0.1
              learning_rate: 1.0e-3
              max_train_steps: 8
              per_device_train_batch_size: 2
              warmup_ratio: 0
              save_steps: 2
          - name: eval-dpo
            algorithm: eval
            suite: ${home}/world/eval/suite.yaml
            limit: 4
        """);
    Files.writeString(dir.resolve("sft.yaml"), """
        dataset_mixer_list: ["${home}/world/sft.jsonl", 64]
        eval_fraction: 0
        max_seq_length: 64
        learning_rate: 2.0e-3
        max_train_steps: 4
        per_device_train_batch_size: 4
        warmup_ratio: 0
        save_steps: 4
        """);
    return f;
  }

  @Test
  void killedDuringDpoResumesThereWithoutRedoingEarlierStages() throws Exception {
    Path recipe = recipe();
    ChildJvm child = ChildJvm.start(dir.resolve("child.out"), null, "--home",
        home.toString(), "recipe", "run", recipe.toString());
    child.awaitLine(line -> line.startsWith("stage 4/5 dpo") && line.contains("saved checkpoint")
        && line.endsWith("step-4"));
    child.kill(); // SIGKILL during the DPO stage
    List<String> seen = child.err;
    String log = String.join("\n", seen);
    assertThat(log).as(log).contains("stage 2/5 base (pretrain): done")
        .contains("stage 3/5 sft (sft): done").contains("stage 4/5 dpo (dpo): run 3 from");

    CliRunner.Result r = CliRunner.run("--home", home.toString(), "recipe", "run",
        recipe.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("continuing recipe #1")
        .contains("stage 1/5 world (generate): done before, skipped")
        .contains("stage 2/5 base (pretrain): done before, skipped")
        .contains("stage 3/5 sft (sft): done before, skipped")
        .contains("stage 4/5 dpo (dpo): resuming run 3 from").contains("step-4")
        .doesNotContain("writing the story world").doesNotContain("run 4");
    // the table: one row per eval stage, one column per task (dev and unseen)
    assertThat(r.out()).contains("STAGE").contains("eval-dpo").contains("stories-ppl")
        .contains("follow-unseen");

    try (Workbench wb = Workbench.open(home)) {
      assertThat(wb.db().runs().list()).hasSize(3); // pretrain, SFT, DPO: nothing redone
      RecipeRepository repo = new RecipeRepository(wb.db().sql());
      assertThat(repo.list()).hasSize(1);
      assertThat(repo.list().get(0).status()).isEqualTo("DONE");
      assertThat(repo.list().get(0).results()).contains("eval-dpo");
      List<StageRow> stages = repo.stages(1);
      assertThat(stages).extracting(StageRow::status).containsOnly("DONE");
      assertThat(stages.get(3).runId()).isEqualTo(3L);
      assertThat(stages.get(3).checkpoint()).endsWith("step-8");
      assertThat(stages.get(4).evalResultIds()).isNotBlank();
    }

    // a finished recipe run again prints its stored table and trains nothing
    CliRunner.Result again = CliRunner.run("--home", home.toString(), "recipe", "run",
        recipe.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).contains("already finished");
    assertThat(again.out()).isEqualTo(r.out());

    // the same recipe (same seeds) run uninterrupted in a new home prints the same table:
    // the run is deterministic and the resumed DPO continued exactly where it was killed
    CliRunner.Result clean = CliRunner.run("--home", fresh.toString(), "recipe", "run",
        recipe.toString());
    assertThat(clean.code()).as(clean.err()).isZero();
    assertThat(clean.out()).isEqualTo(r.out());
  }

  @Test
  void badStageNamesTheFieldAndWritesNothing() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "name: bad\nstages:\n  - name: x\n    algorithm: sftt\n");
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "recipe", "run",
        f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.yaml").contains("stages[0]").contains("'algorithm'")
        .doesNotContain("Exception");
  }

  @Test
  void aWrongFieldInALaterStageIsRefusedBeforeAnyStageRuns() throws Exception {
    Path f = dir.resolve("late.yaml");
    Files.writeString(f, "name: late\nstages:\n  - name: world\n    algorithm: generate\n"
        + "    out: ${home}/world\n  - name: sft\n    algorithm: sft\n    config:\n"
        + "      max_train_steps: 2\n      learning_rat: 1.0e-3\n");
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "recipe", "run",
        f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("late.yaml").contains("stage 'sft'")
        .contains("'learning_rat' (did you mean 'learning_rate'?)")
        .doesNotContain("stage 1/2").doesNotContain("Exception");
    assertThat(home.resolve("world")).doesNotExist(); // the generate stage never ran
  }
}
