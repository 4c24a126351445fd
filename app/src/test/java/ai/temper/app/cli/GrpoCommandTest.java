package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.app.fault.ChildJvm;
import ai.temper.engine.train.RlFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code temper train grpo}: killed with SIGKILL, resumed, the same metrics as a whole run. */
class GrpoCommandTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  @TempDir Path home;
  @TempDir Path dir;

  @Test
  void killMinusNineThenResumeGivesTheSameRewardsAndLosses() throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    // prompts asking for three words each, so that stories260K's samples differ in reward
    RlFixtures.keywordPrompts(dir.resolve("sw/rlvr-train.jsonl"), 16);
    Path cfg = dir.resolve("grpo.yaml");
    Files.writeString(cfg, """
        model_name_or_path: %s
        dataset_mixer_list: [%s, 1.0]
        eval_fraction: 0
        num_unique_prompts_rollout: 4
        num_samples_per_prompt_rollout: 4
        response_length: 24
        max_seq_length: 96
        learning_rate: 3.0e-4
        beta: 0.05
        max_train_steps: 4
        save_steps: 2
        per_device_train_batch_size: 16
        """.formatted(STORIES.toAbsolutePath(), dir.resolve("sw/rlvr-train.jsonl")));
    CliRunner.Result straight = CliRunner.run("--home", home.toString(), "train", "grpo",
        "--config", cfg.toString(), "--threads", "1");
    assertThat(straight.code()).as(straight.err()).isZero();
    long straightId = Long.parseLong(straight.out().strip().lines().findFirst().orElseThrow());

    ChildJvm child = ChildJvm.start(dir.resolve("child.out"), null, "--home",
        home.toString(), "train", "grpo", "--config", cfg.toString());
    child.awaitLine(line -> line.contains("saved checkpoint") && line.endsWith("step-2"));
    child.kill(); // SIGKILL
    List<String> seen = child.err;
    assertThat(String.join("\n", seen)).contains("step-2");
    long killedId = Long.parseLong(Files.readString(dir.resolve("child.out")).strip()
        .lines().findFirst().orElseThrow());
    CliRunner.Result resumed = CliRunner.run("--home", home.toString(), "train", "resume",
        Long.toString(killedId), "--threads", "1");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("resuming from");
    assertThat(series(straightId, "reward")).hasSize(4);
    for (String metric : List.of("reward", "loss", "kl", "dropped_groups")) {
      List<double[]> a = series(straightId, metric);
      List<double[]> b = series(killedId, metric);
      // loss and kl exist for the steps that trained (groups of equal rewards are dropped)
      assertThat(a).as(metric).isNotEmpty();
      assertThat(b).as(metric).hasSameSizeAs(a);
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.get(i)[0]).isEqualTo(a.get(i)[0]);
        assertThat(b.get(i)[1]).as(metric + " at step " + b.get(i)[0]).isCloseTo(a.get(i)[1],
            within(1e-4));
      }
    }
  }

  private List<double[]> series(long run, String name) {
    CliRunner.Result r = CliRunner.run("--home", home.toString(), "runs", "metrics",
        Long.toString(run), "--csv");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().strip().lines().toList();
    int col = List.of(lines.get(0).split(",")).indexOf(name);
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
