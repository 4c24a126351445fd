package ai.temper.engine.model.hf;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Tensor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files the way Hugging Face's own writer does: tensors in name order
 * (so the same weights always give the same bytes), a {@code __metadata__ {"format":"pt"}}
 * entry, and the JSON header padded with spaces so the data starts 8-byte aligned.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK_BYTES = 8 << 20;

  private SafetensorsWriter() {}

  /** Writes {@code tensors} to {@code file} as {@code dtype} with {"format":"pt"} metadata. */
  public static void write(Path file, Map<String, Tensor> tensors, DType dtype) {
    write(file, tensors, dtype, Map.of("format", "pt"));
  }

  /**
   * Writes {@code tensors} (sorted by name) to {@code file}, converting float32 to
   * {@code dtype} (F32, F16 or BF16). The file appears complete or not at all: it is written
   * beside the target and renamed into place.
   */
  public static void write(Path file, Map<String, Tensor> tensors, DType dtype,
      Map<String, String> metadata) {
    if (!dtype.writable()) {
      throw new TemperException("cannot write safetensors as " + dtype
          + " (choose F32, F16 or BF16)");
    }
    Map<String, Tensor> sorted = new TreeMap<>(tensors);
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      new TreeMap<>(metadata).forEach(meta::put);
    }
    long offset = 0;
    for (var e : sorted.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        throw new TemperException("a tensor may not be named __metadata__");
      }
      Tensor t = e.getValue();
      long bytes = t.numel() * dtype.bytes();
      ObjectNode n = header.putObject(e.getKey());
      n.put("dtype", dtype.name());
      var shape = n.putArray("shape");
      for (long s : t.shape()) {
        shape.add(s);
      }
      n.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();

    Path tmp = file.resolveSibling(file.getFileName() + ".partial");
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        writeFully(ch, head);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : sorted.values()) {
          // a computed tensor (a merged LoRA weight) arrives in blocks of rows
          t.stream(CHUNK_BYTES / Float.BYTES, d -> {
            try {
              for (int i = 0; i < d.length; i++) {
                if (buf.remaining() < 4) {
                  buf.flip();
                  writeFully(ch, buf);
                  buf.clear();
                }
                switch (dtype) {
                  case F32 -> buf.putFloat(d[i]);
                  case F16 -> buf.putShort(DType.floatToHalf(d[i]));
                  case BF16 -> buf.putShort(DType.floatToBf16(d[i]));
                  default -> throw new IllegalStateException();
                }
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
        }
        buf.flip();
        writeFully(ch, buf);
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | java.io.UncheckedIOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the write error below is what matters
      }
      throw new TemperException(file + ": cannot write safetensors: "
          + (e instanceof java.io.UncheckedIOException u ? u.getCause() : e).getMessage(), e);
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(tmp); // a computed tensor failed: no half-written file is left
      } catch (IOException ignored) {
        // the failure itself is what matters
      }
      throw e;
    }
  }

  /** The size in bytes {@code tensors} take as {@code dtype} (data only, no header). */
  public static long dataBytes(Map<String, Tensor> tensors, DType dtype) {
    long n = 0;
    for (Tensor t : tensors.values()) {
      n += t.numel() * dtype.bytes();
    }
    return n;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
