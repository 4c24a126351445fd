package ai.temper.views.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobState;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background-task contract on the real job runner, without the JavaFX toolkit: the UI
 * executor here is a queue the test drains, standing in for the FX thread.
 */
class BackgroundTaskTest {
  @TempDir Path dir;
  Workbench workbench;
  final BlockingQueue<Runnable> uiQueue = new LinkedBlockingQueue<>();
  final List<String> events = new CopyOnWriteArrayList<>();
  TaskExecutor tasks;

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    tasks = new TaskExecutor(workbench.jobs(), uiQueue::add);
  }

  @AfterEach
  void tearDown() {
    workbench.close();
  }

  /** Runs what the "FX thread" was given until {@code handle} is done. */
  void pumpUntilDone(TaskHandle<?> handle) throws InterruptedException {
    while (!handle.isDone()) {
      Runnable r = uiQueue.poll(30, TimeUnit.SECONDS);
      assertThat(r).as("a UI callback within 30 s").isNotNull();
      r.run();
    }
  }

  @Test
  void callbacksRunOnlyOnTheUiExecutorInOrder() throws Exception {
    TaskHandle<Integer> h = BackgroundTask.wrap(() -> 6 * 7)
        .onRunning(() -> events.add("running"))
        .onSuccess(v -> events.add("success " + v))
        .onFailure(e -> events.add("failure"))
        .onFinished(() -> events.add("finished"))
        .executeWith(tasks);
    h.future().exceptionally(e -> null);
    Thread.sleep(50); // the work is done by now, but nothing was delivered
    assertThat(events).isEmpty();
    pumpUntilDone(h);
    assertThat(events).containsExactly("running", "success 42", "finished");
    assertThat(h.future().get()).isEqualTo(42);
  }

  @Test
  void aFailureArrivesUnwrapped() throws Exception {
    TaskHandle<Object> h = BackgroundTask.wrap(() -> {
      throw new TemperException("no such dataset: x");
    }).onSuccess(v -> events.add("success"))
        .onFailure(e -> events.add(e.getClass().getSimpleName() + ": " + e.getMessage()))
        .executeWith(tasks);
    pumpUntilDone(h);
    assertThat(events).containsExactly("TemperException: no such dataset: x");
    assertThatThrownBy(() -> h.future().get()).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TemperException.class);
  }

  @Test
  void aCancelledShortTaskDropsItsResult() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    TaskHandle<String> h = BackgroundTask.wrap(() -> {
      release.await();
      return "stale";
    }).onSuccess(v -> events.add("success"))
        .onCancelled(() -> events.add("cancelled"))
        .executeWith(tasks);
    h.cancel();
    release.countDown();
    pumpUntilDone(h);
    assertThat(events).containsExactly("cancelled");
    assertThat(h.future()).isCancelled();
  }

  @Test
  void aJobIsRecordedReportsProgressAndStopsWhenCancelled() throws Exception {
    CountDownLatch reported = new CountDownLatch(1);
    TaskHandle<String> h = BackgroundTask.<String>job("test", "Counting", ctx -> {
      ctx.progress(0.25, "a quarter");
      reported.countDown();
      while (true) {
        ctx.checkCancelled();
        Thread.sleep(5);
      }
    }).onProgress(p -> events.add(p.fraction() + " " + p.message()))
        .onSuccess(v -> events.add("success"))
        .onFailure(e -> events.add("failure " + e.getClass().getSimpleName()))
        .executeWith(tasks);
    assertThat(reported.await(30, TimeUnit.SECONDS)).isTrue();
    // deliver the progress before cancelling: a cancelled task reports no more progress
    while (events.isEmpty()) {
      uiQueue.take().run();
    }
    // the job is submitted from a worker thread; progress only flows once it is attached
    assertThat(h.job()).isPresent();
    h.cancel();
    pumpUntilDone(h);
    assertThat(events).containsExactly("0.25 a quarter", "failure CancellationException");
    assertThat(h.job().get().state()).isEqualTo(JobState.CANCELLED);
    assertThat(workbench.db().jobs().recent(1).get(0).status()).isEqualTo("CANCELLED");
  }

  @Test
  void followingAJobStartedElsewhereDeliversItsResult() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    JobHandle<String> job = workbench.jobs().submit("test", "Elsewhere", ctx -> {
      go.await();
      return "done";
    });
    TaskHandle<String> h = BackgroundTask.follow(job).onSuccess(v -> events.add(v))
        .executeWith(tasks);
    go.countDown();
    pumpUntilDone(h);
    assertThat(events).containsExactly("done");
  }

  @Test
  void aDirectExecutorDeliversOnTheWorkerThreadForTests() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    TaskHandle<String> h = BackgroundTask.wrap(() -> {
      started.await(); // ends after executeWith has returned, on the worker
      return "x";
    }).onSuccess(v -> events.add(Thread.currentThread().getName()))
        .executeWith(TaskExecutor.direct(workbench.jobs()));
    started.countDown();
    h.future().get(30, TimeUnit.SECONDS);
    assertThat(events).singleElement().asString().startsWith("temper-job-");
    assertThat(uiQueue).isEmpty();
  }

  @Test
  void unwrapFindsTheCauseInsideCompletionWrappers() {
    Throwable cause = new CancellationException("x");
    assertThat(BackgroundTask.unwrap(new java.util.concurrent.CompletionException(
        new ExecutionException(cause)))).isSameAs(cause);
  }
}
