package ai.temper.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points in the code where a crash matters (between the files of a checkpoint, after a
 * batch of an import, after a chunk of a download), for the fault suite. With the system
 * property {@code temper.fault} (or the environment variable {@code TEMPER_FAULT}) set to
 * {@code NAME} or {@code NAME:N}, the N-th time (default 1) the process reaches point NAME it
 * prints {@code temper-fault: NAME N} on stderr and stops there, so the test killing it with
 * SIGKILL kills it exactly at that point. Unset (always, outside tests), a point costs one
 * volatile read.
 */
public final class Faults {
  private static final String SPEC = spec();
  private static final String NAME;
  private static final int COUNT;
  private static final Map<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();

  static {
    if (SPEC == null) {
      NAME = null;
      COUNT = 0;
    } else {
      int colon = SPEC.lastIndexOf(':');
      NAME = colon < 0 ? SPEC : SPEC.substring(0, colon);
      COUNT = colon < 0 ? 1 : Integer.parseInt(SPEC.substring(colon + 1));
    }
  }

  private Faults() {}

  private static String spec() {
    String s = System.getProperty("temper.fault");
    if (s == null || s.isBlank()) {
      s = System.getenv("TEMPER_FAULT");
    }
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** Marks point {@code name}; stops here when the fault suite asked for it. */
  public static void point(String name) {
    if (NAME == null || !NAME.equals(name)) {
      return;
    }
    int n = SEEN.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    if (n != COUNT) {
      return;
    }
    System.err.println("temper-fault: " + name + " " + n);
    System.err.flush();
    try {
      Thread.sleep(120_000); // the test kills us now; nobody should wait longer
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(137);
  }
}
