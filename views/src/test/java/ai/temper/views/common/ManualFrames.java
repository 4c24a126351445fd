package ai.temper.views.common;

import java.util.function.LongConsumer;

/** Frames a test steps by hand, on its own thread, at the times it chooses. */
public final class ManualFrames implements FrameClock {
  private LongConsumer onFrame;
  private boolean running;
  private long now;
  private long ticks;

  @Override
  public void start(LongConsumer onFrame) {
    this.onFrame = onFrame;
    running = true;
  }

  @Override
  public void stop() {
    running = false;
  }

  public boolean running() {
    return running;
  }

  /** One frame {@code stepNanos} after the last; nothing while stopped. */
  public void tick(long stepNanos) {
    now += stepNanos;
    if (running) {
      ticks++;
      onFrame.accept(now);
    }
  }

  /** The time of the last frame. */
  public long now() {
    return now;
  }

  /** Frames delivered while running. */
  public long ticks() {
    return ticks;
  }
}
