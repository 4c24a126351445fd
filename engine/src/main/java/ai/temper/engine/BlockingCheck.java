package ai.temper.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catches slow work on a thread that must stay free (the GUI's): the database, the model cache
 * and the chat engine call {@link #check} before they block, and a call on the guarded thread is
 * logged and remembered. The application guards its FX thread; tests guard their stand-in for it
 * and assert that nothing was caught.
 */
public final class BlockingCheck {
  private static final Logger LOG = LoggerFactory.getLogger(BlockingCheck.class);
  private static final int KEEP = 100;
  private static volatile Thread guarded;
  private static final List<String> CAUGHT = new CopyOnWriteArrayList<>();

  private BlockingCheck() {}

  /** Guards {@code thread} from now on (null: none); forgets what was caught before. */
  public static void guard(Thread thread) {
    guarded = thread;
    CAUGHT.clear();
  }

  /** Notes {@code what} (a database query, a model load) if it runs on the guarded thread. */
  public static void check(String what) {
    Thread g = guarded;
    if (g != null && Thread.currentThread() == g) {
      String line = what + " on " + g.getName();
      if (CAUGHT.size() < KEEP) {
        CAUGHT.add(line);
      }
      LOG.warn("Blocking call on the UI thread: {}", what, new Throwable("here"));
    }
  }

  /** What was caught on the guarded thread since it was guarded. */
  public static List<String> caught() {
    return List.copyOf(CAUGHT);
  }
}
