package ai.temper.views.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The FX thread keeps drawing frames while a 500-token reply streams in (headless Monocle,
 * software rendering): an AnimationTimer records the time of every frame (pulse), and a
 * pinger posts a Platform.runLater every 5 ms and records how long each waited. The longest
 * frame gap and the longest wait must stay under 100 ms. Other processes can starve the FX
 * thread of a small, busy machine, which no code of ours can prevent: a measurement over the
 * limit is repeated up to three times, and when all fail while the load average is above
 * twice the cores the test is skipped with the figures rather than failed.
 *
 * <p>The model is a random one of 3M parameters (hidden 256, 6 layers, 1024 positions) with
 * stories260K's tokenizer: the reply takes a few seconds here, and tokens come several times
 * faster than frames, so batching is exercised too. A short first reply warms the JVM up
 * (the first message loads classes and compiles the page's code paths: the conversation list's
 * first cell, the first bubbles); its figures are printed too, but only the 500-token reply's
 * are asserted.
 */
@ExtendWith(ApplicationExtension.class)
class ChatResponsivenessTest {
  static final int TOKENS = 500;
  static final long LIMIT_MS = 100;
  static final int ATTEMPTS = 3;

  static double load() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage();
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  Path home;
  Path disk;
  Workbench workbench;
  ChatViewModel model;

  @BeforeAll
  static void present() {
    ChatTestModels.assumeStories();
  }

  @Start
  void start(Stage stage) throws IOException {
    home = Files.createTempDirectory("temper-chat-home");
    disk = Files.createTempDirectory("temper-chat-disk");
    workbench = Workbench.open(home);
    model = new ChatViewModel(workbench);
    stage.setScene(new Scene(new ChatView(model), 1200, 780));
    stage.show();
  }

  @AfterEach
  void close() throws Exception {
    WaitForAsyncUtils.asyncFx(() -> model.close()).get(60, TimeUnit.SECONDS);
    workbench.close();
    for (Path p : new Path[] {home, disk}) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** Frame times and runLater waits while something runs. */
  static final class Probe implements AutoCloseable {
    final ConcurrentLinkedQueue<Long> frames = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> waits = new ConcurrentLinkedQueue<>();
    final AtomicBoolean pinging = new AtomicBoolean(true);
    final AnimationTimer timer = new AnimationTimer() {
      @Override
      public void handle(long now) {
        frames.add(System.nanoTime());
      }
    };
    final Thread pinger = new Thread(() -> {
      while (pinging.get()) {
        long posted = System.nanoTime();
        Platform.runLater(() -> waits.add(System.nanoTime() - posted));
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fx-pinger");

    Probe(FxRobot robot) {
      robot.interact(timer::start);
      pinger.start();
    }

    /** Longest gap between frames (from {@code from}) and longest wait, in ms. */
    double[] worst(long from, long to) {
      List<Long> during = new ArrayList<>(frames.stream()
          .filter(t -> t >= from && t <= to).toList());
      long gap = during.isEmpty() ? to - from : during.get(0) - from;
      for (int i = 1; i < during.size(); i++) {
        gap = Math.max(gap, during.get(i) - during.get(i - 1));
      }
      long wait = waits.stream().mapToLong(Long::longValue).max().orElse(0);
      return new double[] {gap / 1e6, wait / 1e6, during.size()};
    }

    @Override
    public void close() throws InterruptedException {
      pinging.set(false);
      pinger.join();
      Platform.runLater(timer::stop);
      WaitForAsyncUtils.waitForFxEvents();
    }
  }

  /** Sends {@code text}, waits for the reply; returns its info line. */
  String reply(FxRobot robot, String text) {
    int before = ChatViewTest.fx(() -> model.leftItems().size());
    robot.interact(() -> {
      model.inputProperty().set(text);
      model.send();
    });
    ChatViewTest.waitUntil(() -> ChatViewTest.fx(() -> !model.generatingProperty().get()
        && !model.busyProperty().get() && model.leftItems().size() == before + 2
        && !model.leftItems().get(before + 1).streamingProperty().get()));
    return ChatViewTest.fx(() -> model.leftItems().get(before + 1).infoProperty().get());
  }

  @Test
  void framesKeepComingWhileA500TokenReplyStreams(FxRobot robot) throws Exception {
    Path m = ChatTestModels.randomModel(disk.resolve("random-256"), 256, 6, 1);
    robot.interact(() -> {
      model.openModel(m, 0);
      model.apply(ChatSettings.greedy(16).withIgnoreEos(true));
    });
    // the background load, so the windows measured are generation alone
    ChatViewTest.waitUntil(() -> ChatViewTest.fx(() -> model.statusProperty().get()
        .endsWith("loaded")));

    double[] cold;
    try (Probe probe = new Probe(robot)) {
      long t0 = System.nanoTime();
      reply(robot, "Hi.");
      cold = probe.worst(t0, System.nanoTime());
    }
    robot.interact(() -> model.apply(ChatSettings.greedy(TOKENS).withIgnoreEos(true)));
    System.out.printf(Locale.ROOT, "chat responsiveness: first 16-token reply (cold JVM): "
        + "longest frame gap %.1f ms, longest runLater wait %.1f ms%n", cold[0], cold[1]);

    // other processes can starve any thread of a small machine for a while: a measurement
    // over the limit is repeated (a fresh conversation each time), up to three times
    double[] warm = null;
    long batches = 0;
    double seconds = 0;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      robot.interact(model::newConversation);
      long batchesBefore = ChatViewTest.fx(model::pumpFrames);
      String info;
      long t0;
      long t1;
      double idleGap;
      try (Probe probe = new Probe(robot)) {
        Thread.sleep(300);
        idleGap = probe.worst(probe.frames.peek(), System.nanoTime())[0];
        t0 = System.nanoTime();
        info = reply(robot, "Write a long story.");
        t1 = System.nanoTime();
        warm = probe.worst(t0, t1);
      }
      batches = ChatViewTest.fx(model::pumpFrames) - batchesBefore;
      seconds = (t1 - t0) / 1e9;
      System.out.printf(Locale.ROOT, "chat responsiveness: attempt %d: %d-token reply in %.2f s "
          + "(%s): %.0f frames (%.0f/s), %d text batches, longest frame gap %.1f ms, longest "
          + "runLater wait %.1f ms (idle before: longest frame gap %.1f ms; load average "
          + "%.1f on %d cores)%n", attempt, TOKENS, seconds, info, warm[2], warm[2] / seconds,
          batches, warm[0], warm[1], idleGap, load(), cores());
      assertThat(info).startsWith(TOKENS + " tokens");
      if (warm[0] < LIMIT_MS && warm[1] < LIMIT_MS) {
        break;
      }
    }
    if (warm[0] >= LIMIT_MS || warm[1] >= LIMIT_MS) {
      // on a machine this busy no thread gets a core every 100 ms; say so rather than fail
      assumeTrue(load() < 2 * cores(), String.format(Locale.ROOT, "machine too busy to "
          + "measure: load average %.1f on %d cores", load(), cores()));
    }
    assertThat(warm[2]).isGreaterThan(5);
    assertThat(warm[0]).isLessThan(LIMIT_MS);
    assertThat(warm[1]).isLessThan(LIMIT_MS);
    // the text arrived in batches, at most one per flush interval: far fewer than tokens
    assertThat(batches).isLessThanOrEqualTo(
        (long) (seconds * 1e9 / ChatViewModel.FLUSH_INTERVAL_NANOS) + 5).isLessThan(TOKENS);
  }
}
