package ai.temper.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.cuda.CudaUtils;
import java.util.Locale;

/**
 * The compute precision of training: which type the matrix products of the forward and
 * backward passes run in. Master weights, gradients as the optimizer sees them and AdamW's
 * moments stay float32 in every case; only the products see a cast.
 *
 * <ul>
 *   <li>{@code fp32}: everything float32, today's exact path (the CPU's);
 *   <li>{@code fp16}: products in float16 with dynamic loss scaling (PyTorch's GradScaler);
 *   <li>{@code bf16}: refused with a clear message when asked for with --precision (a config's
 *       {@code bf16: true} computes in auto's pick and the run's log says so). libtorch
 *       computes in bfloat16, but DJL 0.36's native bridge has no bfloat16 entry in its type
 *       table: creating, casting to or reading such an array rethrows with no active
 *       exception and libtorch aborts the whole JVM ("terminate called without an active
 *       exception"), on every device;
 *   <li>{@code auto}: fp32 on the CPU and on Apple's MPS, fp16 on a CUDA GPU with tensor cores
 *       (compute capability 7.0 or newer), else fp32.
 * </ul>
 *
 * <p>The choice is taken from (first wins) the command line's {@code --precision}, the
 * environment's {@code TEMPER_PRECISION}, the system property {@code temper.precision}, a
 * training config's {@code bf16} / {@code fp16} (TRL's and open-instruct's names), else
 * {@code auto}.
 */
public enum Precision {
  FP32(DataType.FLOAT32),
  FP16(DataType.FLOAT16),
  BF16(DataType.BFLOAT16);

  public static final String ENV = "TEMPER_PRECISION";
  public static final String PROPERTY = "temper.precision";
  private static final String SPELLINGS = "auto, fp32, fp16 or bf16";

  private static String requested;

  private final DataType computeType;

  Precision(DataType computeType) {
    this.computeType = computeType;
  }

  /** The type the products run in. */
  public DataType computeType() {
    return computeType;
  }

  /** Whether gradients need loss scaling (fp16's narrow exponent). */
  public boolean scalesLoss() {
    return this == FP16;
  }

  /** fp32, fp16, bf16: the spelling --precision takes. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Chooses the precision for training started from now on (null: the default chain). Only
   * the spelling is checked here.
   */
  public static synchronized void select(String spec) {
    parse(spec, "--precision");
    requested = spec;
  }

  /** What --precision, TEMPER_PRECISION or temper.precision asked for, or null (none). */
  public static synchronized String requestedExplicitly() {
    if (requested != null) {
      return requested;
    }
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return env;
    }
    String prop = System.getProperty(PROPERTY);
    return prop == null || prop.isBlank() ? null : prop;
  }

  /**
   * The precision a training run computes in on {@code device}: an explicit --precision
   * (other than auto) wins over the config's {@code bf16} / {@code fp16}, which win over auto.
   * Throws a {@link TemperException} for bf16 (see the class comment) or an unknown spelling.
   */
  public static Precision forTraining(boolean bf16, boolean fp16, Device device) {
    Precision p = parse(requestedExplicitly(), "--precision");
    if (p == BF16) {
      throw new TemperException("--precision bf16: " + BF16_UNAVAILABLE
          + "; use fp16 (with loss scaling) or fp32");
    }
    if (p != null) {
      return p;
    }
    return fp16 ? FP16 : auto(device); // bf16: true included (see bf16Note)
  }

  /** Why bf16 is never used. */
  public static final String BF16_UNAVAILABLE = "DJL 0.36, through which Temper drives "
      + "libtorch, has no bfloat16 type in its native bridge (a bfloat16 array aborts the JVM "
      + "on every device)";

  /** The log line for a config's {@code bf16: true} computed as {@code used}, or null. */
  public static String bf16Note(boolean bf16, Precision used) {
    return bf16 && used != BF16 ? "bf16: true is not possible here (" + BF16_UNAVAILABLE
        + "); computing in " + used.id() : null;
  }

  /** auto's pick: fp16 on a CUDA GPU with tensor cores, else fp32. */
  public static Precision auto(Device device) {
    if (device != null && device.isGpu()) {
      try {
        String cc = CudaUtils.getComputeCapability(device.getDeviceId());
        if (Integer.parseInt(cc.replaceAll("\\D", "")) >= 70) {
          return FP16;
        }
      } catch (RuntimeException | LinkageError e) {
        // no CUDA runtime to ask: stay exact
      }
    }
    return FP32;
  }

  /** The precision named by {@code spec}; null for null or auto. */
  static Precision parse(String spec, String what) {
    if (spec == null) {
      return null;
    }
    String s = spec.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "auto" -> null;
      case "fp32", "f32", "float32", "no" -> FP32;
      case "fp16", "f16", "float16", "half" -> FP16;
      case "bf16", "bfloat16" -> BF16;
      default -> throw new TemperException(what + " '" + spec + "': expected " + SPELLINGS);
    };
  }

  /** One line for --version: what training would compute in on the current device. */
  public static String describe() {
    String spec = requestedExplicitly();
    try {
      Precision p = forTraining(false, false, Devices.current());
      return "training precision " + p.id() + " (--precision " + (spec == null ? "auto" : spec)
          + "; master weights and AdamW state float32)";
    } catch (TemperException e) {
      return e.getMessage();
    }
  }
}
