package ai.temper.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one device choice of the engine. Every tensor Temper makes comes from a manager opened
 * by {@link #newManager()} (or a sub-manager of one), so weights, KV caches, batches and
 * optimizer state all live on the device chosen here; {@code DevicePlacementTest} keeps it
 * that way by refusing any other {@code NDManager.newBaseManager} call in the sources.
 *
 * <p>The choice is {@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N} or {@code mps}, taken
 * from (first wins) the command line's {@code --device}, the environment's
 * {@code TEMPER_DEVICE}, the system property {@code temper.device} (the test suite sets it to
 * {@code cpu}), else {@code auto}: the first GPU when the loaded libtorch has CUDA, Apple's
 * MPS on an Apple-silicon Mac, else the CPU.
 */
public final class Devices {
  public static final String ENV = "TEMPER_DEVICE";
  public static final String PROPERTY = "temper.device";
  private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

  private static String requested;
  private static Device resolved;
  /** Why auto did not take the GPU of a CUDA libtorch, or null. */
  private static String autoFallback;

  private Devices() {}

  /**
   * Chooses the device for everything made from now on (null: the default chain). Only the
   * spelling is checked here, so parsing a command line never starts libtorch; whether the
   * device exists is checked when the engine first needs it.
   */
  public static synchronized void select(String spec) {
    if (spec != null && !spec.trim().toLowerCase(Locale.ROOT)
        .matches("auto|cpu|mps|cuda|gpu|(cuda|gpu):\\d+")) {
      throw new TemperException("--device '" + spec
          + "': expected auto, cpu, cuda, cuda:N or mps");
    }
    requested = spec;
    resolved = null;
    autoFallback = null;
  }

  /** The device in force (resolving {@code auto} against the loaded libtorch on first use). */
  public static synchronized Device current() {
    if (resolved == null) {
      String spec = requested != null ? requested : fromEnvironment();
      resolved = resolve(spec == null ? "auto" : spec);
      announce();
    }
    return resolved;
  }

  /** What {@link #select} was given (a command line's --device), or null. */
  public static synchronized String requestedExplicitly() {
    return requested;
  }

  /** The spec as given ({@code auto} when none was). */
  public static synchronized String requested() {
    String spec = requested != null ? requested : fromEnvironment();
    return spec == null ? "auto" : spec;
  }

  /** A new root manager on the chosen device: the only way the engine opens one. */
  public static NDManager newManager() {
    return NDManager.newBaseManager(current());
  }

  /** Whether the chosen device is the CPU (the exact F32 path). */
  public static boolean isCpu() {
    return Device.Type.CPU.equals(current().getDeviceType());
  }

  /** Parses and checks a device spec against the loaded libtorch. */
  static Device resolve(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    Engine engine = engine();
    int gpus = engine.getGpuCount();
    boolean cudaBuild = engine.hasCapability(StandardCapabilities.CUDA);
    switch (s) {
      case "auto":
        if (gpus > 0) {
          Device gpu = Device.gpu(0);
          String failure = probe(gpu);
          if (failure == null) {
            return gpu;
          }
          autoFallback = failure;
          return Device.cpu();
        }
        if (cudaBuild) {
          autoFallback = "this CUDA libtorch sees no usable GPU: " + cudaAdvice(cudaProblem());
          return Device.cpu();
        }
        if (mpsPossible(engine)) {
          return Device.of("mps", -1);
        }
        return Device.cpu();
      case "cpu":
        return Device.cpu();
      case "mps":
        if (!mpsPossible(engine)) {
          throw new TemperException("--device mps: this libtorch (" + describeLibtorch()
              + ") on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
              + " has no MPS; use --device cpu");
        }
        return Device.of("mps", -1);
      default:
        if (s.equals("cuda") || s.equals("gpu") || s.matches("(cuda|gpu):\\d+")) {
          int index = s.indexOf(':') < 0 ? 0 : Integer.parseInt(s.substring(s.indexOf(':') + 1));
          if (gpus == 0 && cudaBuild) {
            throw new TemperException("--device " + spec + ": the loaded libtorch ("
                + describeLibtorch() + ") is a CUDA build but sees no usable GPU: "
                + cudaAdvice(cudaProblem()) + "; or use --device cpu");
          }
          if (gpus == 0) {
            throw new TemperException("--device " + spec + ": the loaded libtorch ("
                + describeLibtorch() + ") sees no CUDA GPU; install a CUDA libtorch "
                + "(PYTORCH_FLAVOR or PYTORCH_LIBRARY_PATH, see the README) or use --device cpu");
          }
          if (index >= gpus) {
            throw new TemperException("--device " + spec + ": there are " + gpus
                + " GPU(s), numbered 0.." + (gpus - 1));
          }
          Device gpu = Device.gpu(index);
          String failure = probe(gpu);
          if (failure != null) {
            throw new TemperException("--device " + spec + ": " + failure + "; or use --device cpu");
          }
          return gpu;
        }
        throw new TemperException("--device '" + spec
            + "': expected auto, cpu, cuda, cuda:N or mps");
    }
  }

  /** The PyTorch engine, with a one-line error when libtorch cannot be loaded. */
  static Engine engine() {
    try {
      return Engine.getEngine("PyTorch");
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
      throw new TemperException("could not load libtorch (" + libtorchSource() + "): "
          + firstLine(why) + (why.contains("CUDA") || why.contains("cuda")
              ? "; the CUDA libtorch and the NVIDIA driver may disagree: set PYTORCH_FLAVOR=cpu "
                  + "or install a libtorch built for this driver"
              : ""));
    }
  }

  /**
   * Runs one small computation on {@code gpu} and reads it back: null when that works, else
   * what went wrong with advice. A CUDA libtorch can load and count the GPU and still fail at
   * the first kernel (a driver older than its CUDA, a GPU architecture it has no kernels for).
   */
  static String probe(Device gpu) {
    try (NDManager m = NDManager.newBaseManager(gpu)) {
      float v = m.ones(new Shape(4)).add(1f).sum().getFloat();
      return v == 8f ? null : "a test computation on " + name(gpu) + " gave " + v + ", not 8";
    } catch (RuntimeException | LinkageError e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
      return "libtorch cannot compute on " + name(gpu) + ": " + cudaAdvice(why);
    }
  }

  /** What the CUDA runtime says about GPU 0 when it counts none (null: nothing to say). */
  private static String cudaProblem() {
    try {
      CudaUtils.getComputeCapability(0);
      return null;
    } catch (IllegalStateException e) {
      return "no CUDA runtime library (libcudart) was found";
    } catch (RuntimeException | LinkageError e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
    }
  }

  /** A CUDA error message with what to do about it. */
  static String cudaAdvice(String error) {
    String e = error == null ? "CUDA reports no device" : error;
    String lower = e.toLowerCase(Locale.ROOT);
    if (lower.contains("driver")) {
      return e + ": the NVIDIA driver is older than the CUDA this libtorch was built for; "
          + "update the driver, or use a libtorch built for the driver's CUDA (PYTORCH_FLAVOR="
          + "cu1xx or PYTORCH_LIBRARY_PATH, see the README)";
    }
    if (lower.contains("no kernel image") || lower.contains("not compatible")
        || lower.contains("sm_")) {
      return e + ": this libtorch has no kernels for this GPU's architecture; use a libtorch "
          + "built for it (a newer CUDA flavour, see the README)";
    }
    if (lower.contains("no cuda-capable device") || lower.contains("no device")) {
      return e + ": no NVIDIA GPU is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
    }
    return e;
  }

  /**
   * Says at start-up which libtorch was loaded, why, and the device: in the log always, on
   * stderr (the default log level) when it is not the bundled CPU build on the CPU, or when
   * auto could not use a CUDA libtorch's GPU.
   */
  private static void announce() {
    String line = describeLibtorch() + "; device " + name(resolved) + " (--device "
        + requested() + ")";
    if (autoFallback != null) {
      LOG.warn("{}: {}", line, autoFallback);
    } else if (libtorchSource().startsWith("PYTORCH_") || !isCpu()) {
      LOG.warn("{}", line);
    } else {
      LOG.info("{}", line);
    }
  }

  private static boolean mpsPossible(Engine engine) {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")
        && System.getProperty("os.arch", "").equals("aarch64")
        && !engine.hasCapability(StandardCapabilities.CUDA);
  }

  /** One line: which libtorch, where from and why. */
  public static String describeLibtorch() {
    Engine engine = engine();
    String flavor = engine.hasCapability(StandardCapabilities.CUDA) ? "CUDA" : "CPU";
    return "libtorch " + engine.getVersion() + " " + flavor + " from " + LibUtils.getLibtorchPath()
        + " (" + libtorchSource() + ")";
  }

  /** Why this libtorch: the variable that chose it, or the bundled natives. */
  static String libtorchSource() {
    String path = System.getenv("PYTORCH_LIBRARY_PATH");
    if (path != null && !path.isBlank()) {
      return "PYTORCH_LIBRARY_PATH=" + path;
    }
    String flavor = System.getenv("PYTORCH_FLAVOR");
    if (flavor != null && !flavor.isBlank()) {
      return "PYTORCH_FLAVOR=" + flavor + ", fetched by DJL on first start";
    }
    return "the CPU natives bundled with Temper";
  }

  /** One line: the device in force, how it was chosen, and its memory. */
  public static String describeDevice() {
    Device device = current();
    String memory;
    if (device.isGpu()) {
      var usage = CudaUtils.getGpuMemory(device);
      memory = gib(usage.getMax()) + " GPU memory, " + gib(usage.getCommitted()) + " in use";
    } else {
      long total = physicalMemory();
      memory = (total > 0 ? gib(total) + " system memory, " : "")
          + gib(Runtime.getRuntime().maxMemory()) + " Java heap limit";
    }
    return "device " + name(device) + " (--device " + requested() + "), " + memory
        + (autoFallback == null ? "" : "; not the GPU: " + autoFallback);
  }

  /** cpu, cuda:0, mps: the spelling --device takes. */
  public static String name(Device device) {
    String type = device.isGpu() ? "cuda" : device.getDeviceType();
    return device.getDeviceId() >= 0 ? type + ":" + device.getDeviceId() : type;
  }

  /** The machine's physical memory in bytes, or -1 when the JVM cannot tell. */
  public static long physicalMemory() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getTotalMemorySize();
    }
    return -1;
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
  }

  private static String fromEnvironment() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return env;
    }
    String prop = System.getProperty(PROPERTY);
    return prop == null || prop.isBlank() ? null : prop;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
