package ai.temper.app.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.app.cli.CliRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up during training: one line per failure (no H2/Flyway trace floods), and
 * afterwards the run and its job agree (FAILED, with the error). The home lives on a small
 * tmpfs mounted for the test (needs root and mount; skipped with the reason otherwise).
 */
class DiskFullTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  @TempDir Path dir;
  Path mount;

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
    }
  }

  boolean mountTmpfs(Path at, String size) throws Exception {
    Files.createDirectories(at);
    try {
      Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
          at.toString()).redirectErrorStream(true).start();
      return p.waitFor() == 0;
    } catch (IOException noMount) {
      return false;
    }
  }

  /** Writes zeros until the file system is full. */
  static void fill(Path file) {
    byte[] buf = new byte[4096];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(buf);
      }
    } catch (IOException full) {
      // full
    }
  }

  @Test
  void fullDiskDuringTrainingIsOneLineAndRecordsAgree() throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    mount = dir.resolve("small");
    assumeTrue(mountTmpfs(mount, "8m"), "cannot mount a tmpfs here (needs root): skipping");
    Path home = mount.resolve("home");
    Path cfg = dir.resolve("sft.yaml");
    Files.writeString(cfg, """
        model_name_or_path: %s
        dataset_mixer_list: [%s, 24]
        eval_fraction: 0
        max_seq_length: 64
        max_train_steps: 400
        per_device_train_batch_size: 2
        save_steps: 0
        logging_steps: 1
        """.formatted(STORIES.toAbsolutePath(),
            Path.of("samples/chat-stories.jsonl").toAbsolutePath()));
    ChildJvm child = ChildJvm.start(dir.resolve("out"), null, "--home", home.toString(),
        "train", "sft", "--config", cfg.toString());
    assertThat(child.awaitLine(l -> l.contains("step "))).as(String.join("\n", child.err))
        .isNotNull();
    int before = child.err.size();
    fill(mount.resolve("filler"));
    int code = child.finish(120);
    List<String> after = child.err.subList(before, child.err.size()).stream()
        .filter(l -> !l.startsWith("[")).toList(); // progress bars aside
    assertThat(code).as(String.join("\n", child.err)).isEqualTo(1);
    assertThat(after).as(String.join("\n", child.err)).hasSizeLessThanOrEqualTo(3)
        .anyMatch(l -> l.startsWith("temper: ") && l.contains("no space left on the disk"));
    assertThat(String.join("\n", child.err)).doesNotContain("\tat ")
        .doesNotContain("MVStoreException");

    // a command on the full disk: one line
    ChildJvm list = ChildJvm.start(dir.resolve("out2"), null, "--home", home.toString(),
        "runs", "list");
    assertThat(list.finish(60)).isEqualTo(1);
    assertThat(list.err).as(String.join("\n", list.err)).hasSize(1);
    assertThat(list.err.get(0)).contains("no space left on the disk");

    // space freed: the run and its job say the same
    Files.delete(mount.resolve("filler"));
    CliRunner.Result runs = CliRunner.run("--home", home.toString(), "runs", "list");
    CliRunner.Result jobs = CliRunner.run("--home", home.toString(), "jobs");
    assertThat(runs.out()).as(runs.out()).contains("FAILED").doesNotContain("INTERRUPTED");
    assertThat(jobs.out()).as(jobs.out()).contains("FAILED").contains("no space left")
        .doesNotContain("INTERRUPTED");
  }
}
