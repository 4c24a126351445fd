package ai.temper.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database call on the guarded thread is caught; the same call on another is not. */
class BlockingCheckTest {
  @Test
  void catchesDatabaseWorkOnTheGuardedThreadOnly(@TempDir Path dir) throws Exception {
    try (Workbench wb = Workbench.open(dir.resolve("home"))) {
      BlockingCheck.guard(Thread.currentThread());
      try {
        wb.jobs().background(() -> wb.db().runs().list()).get();
        assertThat(BlockingCheck.caught()).isEmpty();
        wb.db().runs().list();
        assertThat(BlockingCheck.caught()).singleElement().asString()
            .startsWith("database transaction on ");
      } finally {
        BlockingCheck.guard(null);
      }
    }
  }
}
