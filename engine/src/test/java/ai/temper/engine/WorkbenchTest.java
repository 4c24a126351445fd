package ai.temper.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.store.RunStatus;
import ai.temper.engine.testing.CommittingChild;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkbenchTest {
  @TempDir Path home;

  @Test
  void createsHomeWithDatabaseAndFoldersAndReopens() {
    try (Workbench wb = Workbench.open(home)) {
      assertThat(wb.db().runs().list()).isEmpty();
      wb.db().runs().create("sft", "first", "seed: 1\n", "m", "d", null);
    }
    assertThat(home.resolve("temper.mv.db")).exists();
    assertThat(home.resolve("checkpoints")).isDirectory();
    assertThat(home.resolve("models")).isDirectory();
    try (Workbench wb = Workbench.open(home)) {
      assertThat(wb.db().runs().list()).extracting(r -> r.name()).containsExactly("first");
    }
  }

  @Test
  void secondOpenOfAHeldHomeSaysWhoHoldsIt() {
    try (Workbench wb = Workbench.open(home)) {
      assertThatThrownBy(() -> Workbench.open(home))
          .isInstanceOf(TemperException.class)
          .hasMessageContaining("in use by another Temper process")
          .hasMessageContaining(home.toString());
    }
    Workbench.open(home).close(); // released again
  }

  @Test
  void truncatedDatabaseIsRefusedAndLeftByteForByte() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      for (int i = 0; i < 50; i++) {
        wb.db().runs().create("sft", "run " + i, "x".repeat(2000), "m", "d", null);
      }
    }
    Path db = home.resolve("temper.mv.db");
    byte[] all = Files.readAllBytes(db);
    Files.write(db, java.util.Arrays.copyOf(all, all.length / 2));
    String before = sha256(db);
    assertThatThrownBy(() -> Workbench.open(home))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(db.toString())
        .hasMessageContaining("damaged");
    assertThat(sha256(db)).isEqualTo(before);
    assertThat(Files.size(db)).isEqualTo(all.length / 2);
  }

  @Test
  void foreignFileIsRefusedUntouched() throws Exception {
    Path db = home.resolve("temper.mv.db");
    Files.writeString(db, "this is not a database\n");
    String before = sha256(db);
    assertThatThrownBy(() -> Workbench.open(home))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(db.toString())
        .hasMessageContaining("not a Temper");
    assertThat(sha256(db)).isEqualTo(before);
  }

  @Test
  void committedRowsSurviveKillMinusNine() throws Exception {
    // SIGKILL: no shutdown hooks, no clean close
    long committed = CommittingChild.runUntil(KillTarget.class, home, 200,
        Process::destroyForcibly);
    try (Workbench wb = Workbench.open(home)) {
      long runId = wb.db().runs().list().get(0).id();
      List<?> metrics = wb.db().metrics().series(runId, "loss");
      assertThat((long) metrics.size()).isGreaterThanOrEqualTo(committed);
      // a run left RUNNING by the killed process is marked, not lost
      assertThat(wb.db().runs().find(runId).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
      // ids stay dense across the kill (H2's identity cache once made them jump by 32)
      assertThat(wb.db().runs().create("sft", "next", null, "m", "d", null)).isEqualTo(runId + 1);
    }
  }

  /**
   * SIGTERM while a thread commits metrics in a loop: the shutdown hook closes the database
   * itself (the writing thread's statements fail from then on) before the JVM halts; the
   * home reopens with every committed row.
   */
  @Test
  void sigtermWhileWritingLeavesEveryCommittedRow() throws Exception {
    // SIGTERM: the shutdown hooks run, then the JVM halts
    long committed = CommittingChild.runUntil(KillTarget.class, home, 200, Process::destroy);
    try (Workbench wb = Workbench.open(home)) {
      long runId = wb.db().runs().list().get(0).id();
      assertThat((long) wb.db().metrics().series(runId, "loss").size())
          .isGreaterThanOrEqualTo(committed);
      assertThat(wb.db().runs().find(runId).orElseThrow().status())
          .isEqualTo(RunStatus.INTERRUPTED);
    }
  }

  @Test
  void runsAreRenamedAndTagged() {
    try (Workbench wb = Workbench.open(home)) {
      long a = wb.db().runs().create("sft", "sft stories260K", null, "m", "d", null);
      long b = wb.db().runs().create("dpo", "dpo stories260K", null, "m", "d", null);
      wb.db().runs().rename(a, "baseline");
      wb.db().runs().setTags(a, List.of(" lr-sweep", "hh", "", "hh"));
      wb.db().runs().setTags(b, List.of("hh"));
      wb.db().runs().setTags(b, List.of("kindness"));
      assertThat(wb.db().runs().find(a).orElseThrow().name()).isEqualTo("baseline");
      assertThat(wb.db().runs().tags(a)).containsExactly("hh", "lr-sweep");
      assertThat(wb.db().runs().allTags()).containsOnlyKeys(a, b)
          .containsEntry(b, List.of("kindness"));
    }
  }

  private static String sha256(Path p) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(p)));
  }
}
