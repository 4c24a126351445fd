package ai.temper.views.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.BlockingCheck;
import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatSettings;
import ai.temper.engine.chat.ModelCache;
import ai.temper.views.common.ManualFrames;
import ai.temper.views.common.QueuedUi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps the window responsive while a reply streams, asserted deterministically and
 * without a window: the test's thread plays the FX thread ({@link QueuedUi}) and steps the
 * frames by hand ({@link ManualFrames}, 10 ms apart in frame time). It checks that nothing on
 * that thread touches the database or the engine ({@link BlockingCheck}), and that the
 * streamed text reaches the bubble only in frames, in batches at least one flush interval
 * apart. How long frames actually wait on a given machine is a measurement, not a test:
 * {@code temper bench chat}.
 */
class ChatResponsivenessTest {
  static final int TOKENS = 300;
  static final long FRAME_NANOS = 10_000_000;

  @TempDir Path dir;
  Workbench workbench;
  QueuedUi ui;
  ManualFrames frames = new ManualFrames();
  ChatViewModel model;

  @BeforeAll
  static void present() {
    ChatTestModels.assumeStories(); // the random model borrows stories260K's tokenizer
  }

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    ui = new QueuedUi();
    model = new ChatViewModel(workbench, ChatEngine.leavingACore(new ModelCache(1)),
        ui.tasks(workbench.jobs()), frames);
    BlockingCheck.guard(Thread.currentThread());
  }

  @AfterEach
  void tearDown() {
    BlockingCheck.guard(null);
    model.close();
    workbench.close();
  }

  @Test
  void theUiThreadOnlyMovesTextInFramesAtMostOncePerFlushInterval() {
    Path m = ChatTestModels.randomModel(dir.resolve("random"), 64, 2, 1);
    model.openModel(m, 0);
    model.apply(ChatSettings.greedy(TOKENS).withIgnoreEos(true));
    ui.pumpUntil(() -> model.statusProperty().get().endsWith("loaded"));

    model.inputProperty().set("Write a long story.");
    model.send();
    assertThat(model.leftItems()).hasSize(2);
    ChatItem reply = model.leftItems().get(1);
    boolean[] inFrame = {false};
    List<Long> frameUpdates = new ArrayList<>();
    int[] otherUpdates = {0};
    reply.textProperty().addListener((obs, old, now) -> {
      if (inFrame[0]) {
        frameUpdates.add(frames.now());
      } else {
        otherUpdates[0]++;
      }
    });
    ui.pumpUntil(() -> {
      inFrame[0] = true;
      frames.tick(FRAME_NANOS);
      inFrame[0] = false;
      return !model.generatingProperty().get() && !model.busyProperty().get();
    });

    assertThat(BlockingCheck.caught()).as("database or engine calls on the UI thread")
        .isEmpty();
    assertThat(reply.infoProperty().get()).startsWith(TOKENS + " tokens");
    assertThat(reply.streamingProperty().get()).isFalse();
    assertThat(frames.running()).as("frames stop with the last stream").isFalse();
    // text moved in frames only (the final text, as the generator cut it, may land once more)
    assertThat(otherUpdates[0]).isLessThanOrEqualTo(1);
    assertThat(frameUpdates).isNotEmpty();
    for (int i = 1; i < frameUpdates.size(); i++) {
      assertThat(frameUpdates.get(i) - frameUpdates.get(i - 1))
          .isGreaterThanOrEqualTo(ReplyPump.FLUSH_INTERVAL_NANOS);
    }
    // one batch at most every third 10 ms frame (25 ms apart), however fast tokens came
    assertThat(model.pumpFrames()).isLessThanOrEqualTo(frames.ticks() / 3 + 1);
  }
}
