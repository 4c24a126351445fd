package ai.temper.engine.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.store.JobRepository.JobRow;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobRunnerTest {
  @TempDir Path home;

  @Test
  void runsOffTheCallerThreadReportsProgressAndRecordsSuccess() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      List<Double> seen = new CopyOnWriteArrayList<>();
      wb.jobs().addListener(j -> seen.add(j.fraction()));
      Thread caller = Thread.currentThread();
      JobHandle<String> h = wb.jobs().submit("test", "count", ctx -> {
        assertThat(Thread.currentThread()).isNotSameAs(caller);
        for (int i = 1; i <= 4; i++) {
          ctx.progress(i / 4.0, "step " + i);
        }
        return "done";
      });
      assertThat(h.await()).isEqualTo("done");
      assertThat(h.state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(seen).contains(0.25, 0.5, 0.75, 1.0);
      JobRow row = wb.db().jobs().recent(1).get(0);
      assertThat(row.status()).isEqualTo("SUCCEEDED");
      assertThat(row.title()).isEqualTo("count");
      assertThat(row.message()).isEqualTo("step 4");
      assertThat(row.endedAt()).isNotNull();
      assertThat(wb.jobs().active()).isEmpty();
    }
  }

  @Test
  void cancelStopsTheJobAndIsRecorded() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      CountDownLatch started = new CountDownLatch(1);
      JobHandle<Integer> h = wb.jobs().submit("test", "forever", ctx -> {
        started.countDown();
        int i = 0;
        while (true) {
          ctx.checkCancelled();
          ctx.progress(-1, "tick " + i++);
          Thread.sleep(5);
        }
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(wb.jobs().active()).hasSize(1);
      h.cancel();
      assertThatThrownBy(h::await).isInstanceOf(CancellationException.class);
      assertThat(h.state()).isEqualTo(JobState.CANCELLED);
      assertThat(wb.db().jobs().recent(1).get(0).status()).isEqualTo("CANCELLED");
    }
  }

  @Test
  void failureKeepsTheUserMessage() {
    try (Workbench wb = Workbench.open(home)) {
      JobHandle<Void> h = wb.jobs().submit("test", "bad", ctx -> {
        throw new TemperException("data.jsonl line 3: missing field 'messages'");
      });
      assertThatThrownBy(h::await).isInstanceOf(TemperException.class);
      JobRow row = wb.db().jobs().recent(1).get(0);
      assertThat(row.status()).isEqualTo("FAILED");
      assertThat(row.error()).isEqualTo("data.jsonl line 3: missing field 'messages'");
    }
  }

  @Test
  void etaIsEstimatedFromProgress() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      CountDownLatch half = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      JobHandle<Void> h = wb.jobs().submit("test", "eta", ctx -> {
        Thread.sleep(50);
        ctx.progress(0.5, "half");
        half.countDown();
        release.await();
        return null;
      });
      half.await();
      assertThat(h.eta()).isPresent();
      assertThat(h.eta().get().toMillis()).isBetween(1L, 5000L);
      release.countDown();
      h.await();
      assertThat(h.eta()).isEmpty();
    }
  }

  @Test
  void jobsLeftRunningByADeadProcessAreMarkedInterrupted() {
    try (Workbench wb = Workbench.open(home)) {
      wb.db().jobs().start("test", "orphan"); // a row without a runner behind it
    }
    try (Workbench wb = Workbench.open(home)) {
      assertThat(wb.db().jobs().recent(1).get(0).status()).isEqualTo("INTERRUPTED");
    }
  }
}
