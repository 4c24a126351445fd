package ai.temper.engine.model;

import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor as checkpoint readers and writers exchange it, before it becomes an NDArray:
 * float32 values in plain Java memory (row-major), a tensor still in its safetensors file
 * ({@link #stored}), whose values are read from disk each time {@link #data()} is called, or
 * values computed when they are written ({@link #computed}: a merged LoRA weight), a block of
 * rows at a time, so that saving a model never holds a Java copy of all its weights. The
 * model builder reads stored tensors straight into native arrays in their stored precision
 * ({@link WeightArrays}), so loading never holds a Java copy of the weights either.
 */
public final class Tensor {
  private final long[] shape;
  private final float[] data;
  private final Path file;
  private final SafetensorsFile.Entry entry;
  private final Source source;

  /** Values produced on demand, in row-major blocks. */
  @FunctionalInterface
  public interface Source {
    /**
     * Hands {@code sink} every value in row-major order, in blocks of at most
     * {@code maxValues} (whole rows; at least one row); each array may be reused after the
     * call returns.
     */
    void stream(long maxValues, java.util.function.Consumer<float[]> sink);
  }

  public Tensor(long[] shape, float[] data) {
    long n = numel(shape);
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
          + " values, got " + data.length);
    }
    this.shape = shape;
    this.data = data;
    this.file = null;
    this.entry = null;
    this.source = null;
  }

  private Tensor(Path file, SafetensorsFile.Entry entry) {
    this.shape = entry.shape().clone();
    this.data = null;
    this.file = file;
    this.entry = entry;
    this.source = null;
  }

  private Tensor(long[] shape, Source source) {
    this.shape = shape.clone();
    this.data = null;
    this.file = null;
    this.entry = null;
    this.source = source;
  }

  /** A tensor whose values {@code source} computes each time they are read. */
  public static Tensor computed(long[] shape, Source source) {
    return new Tensor(shape, source);
  }

  /**
   * Hands {@code sink} the values in row-major order: an in-memory or stored tensor in one
   * array, a computed one in blocks of at most {@code maxValues} (whole rows).
   */
  public void stream(long maxValues, java.util.function.Consumer<float[]> sink) {
    if (source == null) {
      sink.accept(data());
      return;
    }
    long[] seen = {0};
    source.stream(maxValues, block -> {
      seen[0] += block.length;
      sink.accept(block);
    });
    if (seen[0] != numel()) {
      throw new IllegalStateException(this + ": its source gave " + seen[0] + " values of "
          + numel());
    }
  }

  /** A tensor left in {@code file}, read when its values are needed. */
  public static Tensor stored(Path file, SafetensorsFile.Entry entry) {
    return new Tensor(file, entry);
  }

  public long[] shape() {
    return shape;
  }

  /**
   * The values as float32: the array itself for an in-memory tensor, a fresh array read from
   * the file for a stored one.
   */
  public float[] data() {
    if (data != null) {
      return data;
    }
    if (source != null) {
      float[] all = new float[Math.toIntExact(numel())];
      int[] at = {0};
      stream(Integer.MAX_VALUE, block -> {
        System.arraycopy(block, 0, all, at[0], block.length);
        at[0] += block.length;
      });
      return all;
    }
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.read(entry).data();
    }
  }

  /** The dtype the values are kept in: the file's for a stored tensor, else F32. */
  public DType dtype() {
    return entry == null ? DType.F32 : entry.dtype();
  }

  /** The file of a stored tensor, or null. */
  public Path file() {
    return file;
  }

  /** The file entry of a stored tensor, or null. */
  public SafetensorsFile.Entry entry() {
    return entry;
  }

  public long numel() {
    return numel(shape);
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape) + (entry == null ? "" : " " + entry.dtype());
  }
}
