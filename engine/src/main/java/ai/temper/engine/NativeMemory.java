package ai.temper.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * How the C allocator that libtorch's tensors come from returns memory, set once per process.
 *
 * <p>glibc serves a request above its mmap threshold (128 KiB at start) with its own mapping,
 * returned to the system when freed; smaller ones come from heaps that are returned only from
 * their top. The threshold is dynamic: freeing a mapped block raises it to that block's size,
 * up to 32 MiB. A training step allocates and frees tensors of every size from a few KB to
 * tens of MB in interleaved order (activations, float32 copies of weights, gradients), so after
 * the first frees most of them moved into the heaps, whose free gaps could not go back: the
 * heaps grew by about 66 MB a layer, and a Qwen2.5-0.5B LoRA step (4 x 512, gradient
 * checkpointing) peaked at 4.25 GB with the threshold held at 32 MB against 2.99 GB with it
 * at 4 MiB (temper bench memory's case; README). Fixing the threshold (which also turns the
 * dynamic rule off) keeps tensors above it in their own mappings, so freed tensors are
 * returned at once; small ones still come from the heaps. An explicit MALLOC_MMAP_THRESHOLD_
 * or MALLOC_TRIM_THRESHOLD_ in the environment leaves both as the user set them. Decode steps
 * raise the threshold for their own tensors ({@link #decodeStep}).
 */
public final class NativeMemory {
  /** The threshold: tensors of 4 MiB and more get their own mapping. */
  public static final int MMAP_THRESHOLD = 4 << 20;
  /** glibc's mallopt parameter M_MMAP_THRESHOLD. */
  private static final int M_MMAP_THRESHOLD = -3;
  /** glibc's M_TRIM_THRESHOLD and its default (a fixed mmap threshold keeps it there). */
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int TRIM_THRESHOLD = 128 * 1024;

  /**
   * The thresholds while a decode step runs ({@link #decodeStep}): glibc's largest mmap
   * threshold, and no trimming, so that a step's B x vocab logits and probabilities (16 MB each
   * at 128 rows of a 32000-token vocabulary) come from the heaps and are reused step after
   * step. In mappings of their own each step faulted in fresh pages: softmax at 128 x 32000
   * took 9.4 ms instead of 3.2 (one thread).
   */
  public static final int DECODE_STEP_THRESHOLD = 32 << 20;

  private static Boolean applied;
  private static LibC libc;
  private static int stepsOpen;

  private NativeMemory() {}

  /** The C library's mallopt, through JNA. */
  private interface LibC extends Library {
    int mallopt(int param, int value);
  }

  /**
   * Fixes glibc's mmap threshold at {@link #MMAP_THRESHOLD} (Linux with glibc only; elsewhere,
   * or when MALLOC_MMAP_THRESHOLD_ is set, nothing changes). Returns whether it was set; later
   * calls return the first answer.
   */
  public static synchronized boolean configure() {
    if (applied == null) {
      applied = apply();
    }
    return applied;
  }

  /** A handle whose close throws nothing. */
  public interface Window extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Raises the mmap threshold to {@link #DECODE_STEP_THRESHOLD} and turns trimming off until
   * the handle is closed (windows nest and may overlap; the last close restores both). Only
   * around a decode step, whose large tensors are freed and allocated again at the same sizes
   * every step; caches, weights and training tensors still get their own mappings. Does
   * nothing where {@link #configure} did not set the threshold.
   */
  public static Window decodeStep() {
    if (!configure()) {
      return () -> { };
    }
    synchronized (NativeMemory.class) {
      if (stepsOpen++ == 0) {
        libc.mallopt(M_MMAP_THRESHOLD, DECODE_STEP_THRESHOLD);
        libc.mallopt(M_TRIM_THRESHOLD, 2 * DECODE_STEP_THRESHOLD);
      }
    }
    return () -> {
      synchronized (NativeMemory.class) {
        if (--stepsOpen == 0) {
          libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
          libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
      }
    };
  }

  private static boolean apply() {
    if (!Platform.isLinux() || System.getenv("MALLOC_MMAP_THRESHOLD_") != null
        || System.getenv("MALLOC_TRIM_THRESHOLD_") != null) {
      return false;
    }
    try {
      LibC c = Native.load("c", LibC.class);
      libc = c;
      return c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1; // 1: success
    } catch (Throwable e) { // musl has no mallopt; no JNA dispatch library for the platform
      return false;
    }
  }
}
