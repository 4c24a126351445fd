package ai.temper.views.chat;

import ai.temper.views.common.FrameClock;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves streamed text into the bubbles in batches: the generating threads append to their
 * {@link ReplyStream}s, and on a frame at most every {@link #FLUSH_INTERVAL_NANOS} this moves
 * what has gathered into the bubbles, however fast tokens come. The frames run only while
 * something streams. All methods run on the UI thread.
 */
final class ReplyPump {
  /**
   * Streamed text reaches the bubbles at most this often: every second frame at 60 Hz (about
   * 30 updates a second, smooth to read). Each update re-lays out and redraws the growing
   * bubble, which with software rendering costs a few milliseconds of the same cores that
   * generate the text.
   */
  static final long FLUSH_INTERVAL_NANOS = 25_000_000;

  private final FrameClock clock;
  private final List<ReplyStream> streams = new ArrayList<>();
  private boolean running;
  private long batches;
  private long lastFlush = Long.MIN_VALUE / 2;

  ReplyPump(FrameClock clock) {
    this.clock = clock;
  }

  /** A reply starts streaming. */
  void add(ReplyStream s) {
    streams.add(s);
    if (!running) {
      running = true;
      clock.start(this::onFrame);
    }
  }

  /**
   * A reply ended: its last text is moved in; the frames stop with the last stream. False if
   * it had ended already.
   */
  boolean finish(ReplyStream s) {
    if (!streams.remove(s)) {
      return false;
    }
    s.flush();
    if (streams.isEmpty()) {
      stop();
    }
    return true;
  }

  /** The replies streaming now. */
  List<ReplyStream> streams() {
    return List.copyOf(streams);
  }

  boolean isEmpty() {
    return streams.isEmpty();
  }

  void stop() {
    if (running) {
      running = false;
      clock.stop();
    }
  }

  /** Batches moved so far (tests check that updates are batched). */
  long batches() {
    return batches;
  }

  private void onFrame(long now) {
    if (now - lastFlush >= FLUSH_INTERVAL_NANOS) {
      lastFlush = now;
      batches++;
      for (ReplyStream s : streams) {
        s.flush();
      }
    }
  }
}
