package ai.temper.views.shell;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.UiExecutor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell without a window: the page lifecycle on navigation and exit, the running jobs. */
class ShellViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  final List<String> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
  }

  @AfterEach
  void tearDown() {
    workbench.close();
  }

  Page page(String id) {
    return Page.of(id, id, "*", null, new Lifecycle() {
      @Override
      public void activate() {
        events.add("activate " + id);
      }

      @Override
      public void deactivate() {
        events.add("deactivate " + id);
      }

      @Override
      public void close() {
        events.add("close " + id);
      }
    });
  }

  @Test
  void navigationActivatesAndDeactivatesAndExitClosesEveryPageOnce() {
    ShellViewModel shell = new ShellViewModel(workbench, List.of(page("a"), page("b")),
        UiExecutor.direct());
    assertThat(shell.select("a")).isTrue();
    assertThat(shell.select("b")).isTrue();
    assertThat(shell.select("nope")).isFalse();
    shell.close();
    shell.close();
    assertThat(events).containsExactly("activate a", "deactivate a", "activate b",
        "deactivate b", "close a", "close b");
  }

  @Test
  void runningJobsAreListedUntilTheyEnd() throws Exception {
    ShellViewModel shell = new ShellViewModel(workbench, List.of(page("a")),
        UiExecutor.direct());
    CountDownLatch go = new CountDownLatch(1);
    JobHandle<String> job = workbench.jobs().submit("test", "Waiting", ctx -> {
      ctx.progress(0.5, "half");
      go.await();
      return "ok";
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (shell.jobs().isEmpty() || shell.jobs().get(0).progressProperty().get() < 0.5) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(5);
    }
    assertThat(shell.jobs().get(0).textProperty().get()).startsWith("Waiting — half");
    go.countDown();
    job.await();
    while (!shell.jobs().isEmpty()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(5);
    }
    shell.close();
  }
}
