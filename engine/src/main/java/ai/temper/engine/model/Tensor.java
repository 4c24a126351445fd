package ai.temper.engine.model;

import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor as checkpoint readers and writers exchange it, before it becomes an NDArray:
 * either float32 values in plain Java memory (row-major), or a tensor still in its
 * safetensors file ({@link #stored}), whose values are read from disk each time {@link #data()}
 * is called. The model builder reads stored tensors straight into native arrays in their
 * stored precision ({@link WeightArrays}), so loading never holds a Java copy of the weights.
 */
public final class Tensor {
  private final long[] shape;
  private final float[] data;
  private final Path file;
  private final SafetensorsFile.Entry entry;

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
  }

  private Tensor(Path file, SafetensorsFile.Entry entry) {
    this.shape = entry.shape().clone();
    this.data = null;
    this.file = file;
    this.entry = entry;
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
