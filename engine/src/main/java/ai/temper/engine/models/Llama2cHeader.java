package ai.temper.engine.models;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.LlamaConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a llama2.c checkpoint from its 7-int header, checked against the file size, so
 * the library can list and describe one without reading its weights.
 */
final class Llama2cHeader {
  private Llama2cHeader() {}

  static LlamaConfig read(Path file) {
    byte[] head = new byte[28];
    long size;
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(head, 0, 28) < 28) {
        throw new TemperException(file + ": too short for a llama2.c checkpoint (no 28-byte "
            + "header)");
      }
      size = Files.size(file);
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    int dim = b.getInt();
    int hidden = b.getInt();
    int layers = b.getInt();
    int heads = b.getInt();
    int kvHeads = b.getInt();
    int vocab = b.getInt();
    int seqLen = b.getInt();
    boolean shared = vocab > 0;
    vocab = Math.abs(vocab);
    if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0
        || seqLen <= 0 || dim % heads != 0 || heads % kvHeads != 0 || dim > 1 << 16
        || layers > 1 << 10 || seqLen > 1 << 22) {
      throw new TemperException(file + ": not a llama2.c checkpoint (implausible header: dim="
          + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
          + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocab + ", seq_len=" + seqLen + ")");
    }
    long headSize = dim / heads;
    long kvDim = kvHeads * headSize;
    long floats = (long) vocab * dim
        + (long) layers * (2L * dim + 2L * dim * dim + 2L * dim * kvDim + 3L * dim * hidden)
        + dim + 2L * seqLen * headSize / 2 + (shared ? 0 : (long) vocab * dim);
    long expected = 28 + 4 * floats;
    if (size != expected) {
      throw new TemperException(file + ": llama2.c checkpoint of " + size + " bytes, but its "
          + "header (dim " + dim + ", " + layers + " layers, vocab " + vocab + ") implies "
          + expected + (size < expected ? " (the file is truncated)" : ""));
    }
    return LlamaConfig.llama(vocab, dim, hidden, layers, heads, kvHeads, seqLen, shared);
  }
}
