package ai.temper.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Settings of the libtorch runtime: the number of intra-op threads. It is chosen by
 * environment TEMPER_THREADS, the command line's --threads, or the system property
 * ai.djl.pytorch.num_threads; without any of them it is automatic: every core, and decoding
 * picks between one thread and that by timing its steps (see the generator), since handing
 * microsecond ops to a second OpenMP thread can cost more than it gains, and much more when
 * other processes keep the cores busy. Inter-op parallelism is not used: that pool keeps one
 * thread.
 */
public final class TorchRuntime {
  public static final String THREADS_ENV = "TEMPER_THREADS";
  private static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
  private static final String INTEROP_PROPERTY = "ai.djl.pytorch.num_interop_threads";
  private static Integer configured;
  private static boolean explicit;

  private TorchRuntime() {}

  /**
   * Starts the engine (if needed) with {@code threads} intra-op threads; null keeps an earlier
   * choice or takes TEMPER_THREADS, the system property, or the default. Returns the count.
   */
  public static synchronized int configure(Integer threads) {
    NativeMemory.configure(); // before libtorch allocates: see there
    if (threads == null && configured != null) {
      return configured;
    }
    Integer chosen = threads != null ? threads : fromEnvironment();
    boolean isExplicit = chosen != null;
    int n = isExplicit ? chosen : defaultThreads();
    if (n <= 0) {
      throw new TemperException("thread count must be positive, got " + n);
    }
    if (System.getProperty(INTEROP_PROPERTY) == null) {
      System.setProperty(INTEROP_PROPERTY, "1");
    }
    System.setProperty(THREADS_PROPERTY, Integer.toString(n));
    Engine.getEngine("PyTorch"); // reads the properties on first start
    JniUtils.setNumThreads(n);
    configured = n;
    explicit = isExplicit;
    return n;
  }

  /** The intra-op thread count in force. */
  public static synchronized int threads() {
    return configure(null);
  }

  /** Every core: batched decoding and training gain from the second thread. */
  public static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** Whether the thread count was left to Temper (no TEMPER_THREADS, --threads, property). */
  public static synchronized boolean isAutomatic() {
    configure(null);
    return !explicit;
  }

  private static Integer fromEnvironment() {
    String env = System.getenv(THREADS_ENV);
    if (env != null && !env.isBlank()) {
      try {
        return Integer.parseInt(env.trim());
      } catch (NumberFormatException e) {
        throw new TemperException(THREADS_ENV + "='" + env + "' is not a number");
      }
    }
    return Integer.getInteger(THREADS_PROPERTY);
  }
}
