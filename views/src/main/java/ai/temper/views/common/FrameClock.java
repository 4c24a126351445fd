package ai.temper.views.common;

import java.util.function.LongConsumer;
import javafx.animation.AnimationTimer;

/**
 * Frames to batch screen updates on: the FX pulse in the application ({@link #fx}), frames a
 * test steps by hand otherwise. Both call back on the UI thread with the frame's time in
 * nanoseconds.
 */
public interface FrameClock {
  /** Calls {@code onFrame} every frame from now on (again: no effect). */
  void start(LongConsumer onFrame);

  /** No more frames until the next start. */
  void stop();

  /** The FX pulse (60 Hz), through an {@link AnimationTimer} made on first start. */
  static FrameClock fx() {
    return new FrameClock() {
      private AnimationTimer timer;

      @Override
      public void start(LongConsumer onFrame) {
        if (timer == null) {
          timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
              onFrame.accept(now);
            }
          };
        }
        timer.start();
      }

      @Override
      public void stop() {
        if (timer != null) {
          timer.stop();
        }
      }
    };
  }
}
