package ai.temper.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.IntSupplier;

/**
 * Settings of the libtorch runtime: the number of intra-op threads. It is chosen by
 * environment TEMPER_THREADS, the command line's --threads, or the system property
 * ai.djl.pytorch.num_threads; without any of them it is "auto": every core, except that work
 * too small to share (single-stream decoding of tiny models) runs on one thread, since handing
 * microsecond ops to a second OpenMP thread costs more than it gains, and much more on a
 * loaded machine. Inter-op parallelism is not used, so that pool is kept at one thread.
 */
public final class TorchRuntime {
  public static final String THREADS_ENV = "TEMPER_THREADS";
  private static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
  private static final String INTEROP_PROPERTY = "ai.djl.pytorch.num_interop_threads";
  /**
   * Multiply-adds per decode step below which one thread is faster than two (measured on
   * 2 cores: stories260K single-stream gains from one thread, batched and 15M-sized steps
   * from two).
   */
  static final long SMALL_STEP_MACS = 2_000_000;
  private static Integer configured;
  private static boolean explicit;

  private TorchRuntime() {}

  /**
   * Starts the engine (if needed) with {@code threads} intra-op threads; null keeps an earlier
   * choice or takes TEMPER_THREADS, the system property, or the default. Returns the count.
   */
  public static synchronized int configure(Integer threads) {
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

  /**
   * Threads for a decode step of about {@code macs} multiply-adds: the configured count, or one
   * when the count is automatic and the step is small.
   */
  public static synchronized int threadsForStep(long macs) {
    int n = configure(null);
    return !explicit && macs < SMALL_STEP_MACS ? 1 : n;
  }

  /**
   * Runs {@code work} with {@code threads} intra-op threads on this thread, then restores the
   * previous count (libtorch's OpenMP count is per calling thread).
   */
  public static int withThreads(int threads, IntSupplier work) {
    int before = JniUtils.getNumThreads();
    if (before == threads) {
      return work.getAsInt();
    }
    JniUtils.setNumThreads(threads);
    try {
      return work.getAsInt();
    } finally {
      JniUtils.setNumThreads(before);
    }
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
