package ai.temper.engine.model;

import java.util.Arrays;

/**
 * A float32 tensor in plain Java memory, row-major: the neutral form in which checkpoint
 * readers and writers exchange weights, before they become NDArrays.
 */
public record Tensor(long[] shape, float[] data) {
  public Tensor {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
          + " values, got " + data.length);
    }
  }

  public long numel() {
    return data.length;
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
