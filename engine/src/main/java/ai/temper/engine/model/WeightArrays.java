package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Weights from a checkpoint into native arrays, in the precision they are stored in.
 *
 * <p>Matrices stored as float16 stay float16. Matrices stored as bfloat16 become float16: DJL
 * 0.36's JNI has no bfloat16 (its dtype table, {@code utils::GetScalarTypeFromDType} in
 * libdjl_torch.so, rethrows on DJL's BFLOAT16 code and the JVM aborts with "terminate called
 * without an active exception", whatever the op, even a cast; libtorch 2.7.1 itself is not
 * the problem). bfloat16 keeps 8 significant bits and float16 11, so the conversion is exact
 * for every value of magnitude 2^-14 to 65504; smaller ones round to float16's subnormal grid
 * (absolute error below 3e-8), and a matrix holding a value beyond float16's range stays
 * float32 instead. Vectors (norm gains, biases) and float32 checkpoints load as float32.
 *
 * <p>A stored tensor is read from its file in chunks of rows straight into the native array:
 * no Java copy of a whole tensor is made.
 */
final class WeightArrays {
  /** Bytes of file read per chunk. */
  private static final int CHUNK_BYTES = 4 << 20;

  private WeightArrays() {}

  /** The native array for {@code t}, attached to {@code m}. */
  static NDArray create(NDManager m, Tensor t) {
    Shape shape = new Shape(t.shape());
    DType dt = t.dtype();
    boolean matrix = t.shape().length == 2;
    if (t.entry() == null || !(dt == DType.F32 || dt == DType.F16 || dt == DType.BF16)) {
      return m.create(t.data(), shape);
    }
    boolean half = matrix && (dt == DType.F16 || (dt == DType.BF16 && fitsHalf(t)));
    if (!half && !matrix) {
      return m.create(t.data(), shape);
    }
    return readRows(m, t, half ? DataType.FLOAT16 : DataType.FLOAT32);
  }

  /** Whether every value of a stored BF16 tensor is finite and within float16's range. */
  private static boolean fitsHalf(Tensor t) {
    boolean[] fits = {true};
    forEachChunk(t, (buf, rows) -> {
      while (buf.hasRemaining() && fits[0]) {
        float v = DType.bf16ToFloat(buf.getShort());
        if (!(Math.abs(v) <= 65504f)) {
          fits[0] = false;
        }
      }
    });
    return fits[0];
  }

  private static NDArray readRows(NDManager m, Tensor t, DataType target) {
    long rows = t.shape()[0];
    long cols = t.shape()[1];
    NDArray out = m.zeros(new Shape(rows, cols), target);
    DType src = t.dtype();
    int outBytes = target == DataType.FLOAT16 ? 2 : 4;
    long[] at = {0};
    ByteBuffer[] reuse = {null};
    forEachChunk(t, (buf, n) -> {
      if (reuse[0] == null) { // the first chunk is the largest; the chunk array copies it
        reuse[0] = ByteBuffer.allocateDirect((int) (n * cols * outBytes))
            .order(ByteOrder.nativeOrder());
      }
      ByteBuffer dst = reuse[0];
      dst.clear();
      convert(buf, src, dst, target);
      dst.flip();
      try (NDArray chunk = m.create(dst, new Shape(n, cols), target)) {
        out.set(new NDIndex("{}:{}", at[0], at[0] + n), chunk);
      }
      at[0] += n;
    });
    return out;
  }

  private static void convert(ByteBuffer in, DType src, ByteBuffer out, DataType target) {
    if (target == DataType.FLOAT16) {
      if (src == DType.F16) {
        while (in.hasRemaining()) {
          out.putShort(in.getShort());
        }
      } else {
        while (in.hasRemaining()) {
          out.putShort(DType.floatToHalf(DType.bf16ToFloat(in.getShort())));
        }
      }
      return;
    }
    while (in.hasRemaining()) {
      out.putFloat(switch (src) {
        case F32 -> in.getFloat();
        case F16 -> DType.halfToFloat(in.getShort());
        default -> DType.bf16ToFloat(in.getShort());
      });
    }
  }

  private interface ChunkConsumer {
    void accept(ByteBuffer littleEndianBytes, long rows);
  }

  /** Calls {@code c} with whole rows of the stored tensor, about {@link #CHUNK_BYTES} each. */
  private static void forEachChunk(Tensor t, ChunkConsumer c) {
    SafetensorsFile.Entry e = t.entry();
    long rows = t.shape().length == 0 ? 1 : t.shape()[0];
    long rowBytes = rows == 0 ? 0 : e.byteLength() / rows;
    long perChunk = Math.max(1, CHUNK_BYTES / Math.max(1, rowBytes));
    try (SafetensorsFile f = SafetensorsFile.open(t.file())) {
      ByteBuffer buf = ByteBuffer.allocate((int) (perChunk * rowBytes))
          .order(ByteOrder.LITTLE_ENDIAN);
      for (long r = 0; r < rows; r += perChunk) {
        long n = Math.min(perChunk, rows - r);
        buf.clear();
        buf.limit((int) (n * rowBytes));
        f.readRaw(e, r * rowBytes, buf);
        buf.flip();
        c.accept(buf, n);
      }
    }
  }
}
