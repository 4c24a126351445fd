package ai.temper.app.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.app.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM stops a command within seconds with its "cancelled" record, even while its job is
 * stuck where it checks for nothing (here held at a fault point while tokenizing, as a
 * runaway chat template would hold it).
 */
class SigtermTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  @TempDir Path dir;

  @Test
  void sigtermEndsAStuckTrainingJobWithCancelledRecords() throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    Path home = dir.resolve("home");
    Path cfg = dir.resolve("sft.yaml");
    Files.writeString(cfg, """
        model_name_or_path: %s
        dataset_mixer_list: [%s, 8]
        max_train_steps: 3
        """.formatted(STORIES.toAbsolutePath(),
            Path.of("samples/chat-stories.jsonl").toAbsolutePath()));
    ChildJvm child = ChildJvm.start(dir.resolve("out"), "encode.example:3", "--home",
        home.toString(), "train", "sft", "--config", cfg.toString());
    assertThat(child.awaitLine(l -> l.startsWith("temper-fault: "))).isNotNull();
    long t0 = System.nanoTime();
    child.process.destroy(); // SIGTERM
    assertThat(child.process.waitFor(15, TimeUnit.SECONDS)).as("stopped within 15 s").isTrue();
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(seconds).isLessThan(10);
    CliRunner.Result jobs = CliRunner.run("--home", home.toString(), "jobs");
    CliRunner.Result runs = CliRunner.run("--home", home.toString(), "runs", "list");
    assertThat(jobs.out()).as(jobs.out()).contains("CANCELLED").doesNotContain("INTERRUPTED");
    assertThat(runs.out()).as(runs.out()).contains("CANCELLED").doesNotContain("INTERRUPTED");
  }
}
