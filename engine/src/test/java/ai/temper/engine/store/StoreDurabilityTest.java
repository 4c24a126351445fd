package ai.temper.engine.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real database file left by a GUI that died while H2 was closing it (SIGTERM as its X
 * session ended; its header names an older chunk than the newest and is not marked clean).
 * Opened as it was, every commit of the next session stayed in memory: a copy of the file
 * taken during the session, which is what a kill -9 leaves, held none of them. Now a commit
 * is in the file as soon as it returns.
 */
class StoreDurabilityTest {
  @TempDir Path dir;

  @Test
  void aSessionAfterAnInterruptedCloseWritesItsCommitsAsTheyAreMade() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home);
    Path file = home.resolve(Database.FILE_NAME);
    try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream(
        "/h2/closed-while-closing.mv.db.gz"))) {
      Files.copy(in, file);
    }
    assertThat(H2FileCheck.check(file)).as("closed cleanly").isFalse();
    Path crashed = dir.resolve("after-kill");
    Files.createDirectories(crashed);
    long run;
    try (Workbench wb = Workbench.open(home)) {
      run = wb.db().runs().create("sft", "after an interrupted close", null, "m", "d", null);
      // what a kill -9 now would leave: the file as it is, the session still open
      Files.copy(file, crashed.resolve(Database.FILE_NAME));
    }
    try (Workbench wb = Workbench.open(crashed)) {
      assertThat(wb.db().runs().find(run)).as("the run committed before the kill").isPresent();
      assertThat(wb.db().annotations().sessions()).as("the fixture's own rows").hasSize(1);
    }
  }
}
