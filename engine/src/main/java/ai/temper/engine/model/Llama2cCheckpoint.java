package ai.temper.engine.model;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads Karpathy's llama2.c checkpoint format (legacy "version 0" export: a 7-int header and
 * raw float32 arrays). Weights come out in Hugging Face names and layout: llama2.c rotates
 * adjacent pairs (2i, 2i+1) of each head, HF rotates the two halves, so wq and wk rows are
 * permuted on the way in (the same permutation HF's conversion script applies).
 */
public final class Llama2cCheckpoint {
  private static final int HEADER_BYTES = 7 * 4;
  /** Refuse absurd headers before allocating: no llama2.c model is wider than this. */
  private static final int MAX_DIM = 1 << 16;

  private Llama2cCheckpoint() {}

  /** Reads {@code file}; a truncated or corrupt file throws a TemperException naming it. */
  public static Checkpoint read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES) {
        throw new TemperException(file + ": not a llama2.c checkpoint (only " + size
            + " bytes, shorter than its 28-byte header)");
      }
      var map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
      if (map.getInt(0) == 0x616b3432) {
        throw new TemperException(file + ": llama2.c export version " + map.getInt(4)
            + " is not supported; export with the legacy format (version 0)");
      }
      IntBuffer header = map.asIntBuffer();
      int dim = header.get(0);
      int hidden = header.get(1);
      int layers = header.get(2);
      int heads = header.get(3);
      int kvHeads = header.get(4);
      int vocabField = header.get(5);
      int seqLen = header.get(6);
      int vocab = Math.abs(vocabField);
      boolean tied = vocabField > 0;
      if (dim <= 0 || dim > MAX_DIM || hidden <= 0 || hidden > 16 * MAX_DIM || layers <= 0
          || layers > 1024 || heads <= 0 || heads > dim || kvHeads <= 0 || kvHeads > heads
          || vocab == 0 || vocab > 1 << 22 || seqLen <= 0 || seqLen > 1 << 22
          || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
        throw new TemperException(file + ": not a llama2.c checkpoint (implausible header: dim="
            + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
            + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocabField + ", seq_len=" + seqLen
            + ")");
      }
      int headDim = dim / heads;
      int kvDim = kvHeads * headDim;
      long floats = (long) vocab * dim + 2L * layers * dim + (long) layers * dim * dim * 2
          + 2L * layers * kvDim * dim + 3L * layers * hidden * dim + dim
          + (long) seqLen * headDim + (tied ? 0 : (long) vocab * dim);
      long expected = HEADER_BYTES + 4 * floats;
      if (size != expected) {
        throw new TemperException(file + ": llama2.c checkpoint is " + size + " bytes but its "
            + "header (dim " + dim + ", " + layers + " layers, vocab " + vocab + ") implies "
            + expected + (size < expected ? " (truncated file?)" : " (trailing data: corrupt?)"));
      }
      LlamaConfig config = LlamaConfig.llama(vocab, dim, hidden, layers, heads, kvHeads, seqLen,
          tied);
      FloatBuffer data = map.position(HEADER_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer();
      return new Checkpoint(config, toStateDict(config, data), file.toString());
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read llama2.c checkpoint: " + e.getMessage(), e);
    }
  }

  private static StateDict toStateDict(LlamaConfig c, FloatBuffer in) {
    int d = c.hiddenSize();
    int layers = c.numHiddenLayers();
    int kv = c.kvDim();
    int f = c.intermediateSize();
    StateDict sd = new StateDict();
    Tensor embed = take(in, c.vocabSize(), d);
    sd.put("model.embed_tokens.weight", embed);
    String[] p = new String[layers];
    for (int l = 0; l < layers; l++) {
      p[l] = "model.layers." + l + ".";
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "input_layernorm.weight", take(in, d));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "self_attn.q_proj.weight",
          pairsToHalves(take(in, d, d), c.numAttentionHeads(), c.headDim()));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "self_attn.k_proj.weight",
          pairsToHalves(take(in, kv, d), c.numKeyValueHeads(), c.headDim()));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "self_attn.v_proj.weight", take(in, kv, d));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "self_attn.o_proj.weight", take(in, d, d));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "post_attention_layernorm.weight", take(in, d));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "mlp.gate_proj.weight", take(in, f, d));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "mlp.down_proj.weight", take(in, d, f));
    }
    for (int l = 0; l < layers; l++) {
      sd.put(p[l] + "mlp.up_proj.weight", take(in, f, d));
    }
    sd.put("model.norm.weight", take(in, d));
    in.position(in.position() + c.maxPositionEmbeddings() * c.headDim()); // legacy RoPE tables
    if (!c.tieWordEmbeddings()) {
      sd.put("lm_head.weight", take(in, c.vocabSize(), d));
    }
    return sd;
  }

  private static Tensor take(FloatBuffer in, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    float[] v = new float[Math.toIntExact(n)];
    in.get(v);
    return new Tensor(shape, v);
  }

  /**
   * Row permutation from llama2.c's interleaved RoPE pairs to HF's halves: within each head,
   * HF row {@code j * half + i} is llama2.c row {@code 2i + j}.
   */
  static Tensor pairsToHalves(Tensor w, int heads, int headDim) {
    int cols = (int) w.shape()[1];
    int half = headDim / 2;
    float[] out = new float[w.data().length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        for (int j = 0; j < 2; j++) {
          int from = h * headDim + 2 * i + j;
          int to = h * headDim + j * half + i;
          System.arraycopy(w.data(), from * cols, out, to * cols, cols);
        }
      }
    }
    return new Tensor(w.shape(), out);
  }

  /**
   * Writes a model of shape {@code c} with random weights (N(0, 0.02), norm gains 1) in the
   * llama2.c legacy format that run.c reads: the 7-int header (vocab_size negative when the
   * output head is not tied), the weights in run.c's order, the unused RoPE tables, and
   * lm_head when untied. For benchmarks against run.c on the same file.
   */
  public static void writeRandom(Path file, LlamaConfig c, long seed) {
    int d = c.hiddenSize();
    int layers = c.numHiddenLayers();
    long kv = c.kvDim();
    long f = c.intermediateSize();
    long[] counts = {(long) c.vocabSize() * d, (long) layers * d, (long) layers * d * d,
        layers * kv * d, layers * kv * d, (long) layers * d * d, (long) layers * d,
        layers * f * d, layers * d * f, layers * f * d, d,
        (long) c.maxPositionEmbeddings() * c.headDim(),
        c.tieWordEmbeddings() ? 0 : (long) c.vocabSize() * d};
    boolean[] gains = {false, true, false, false, false, false, true, false, false, false,
        true, false, false};
    java.util.Random rng = new java.util.Random(seed);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(HEADER_BYTES)
          .order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(d).putInt(c.intermediateSize()).putInt(layers)
          .putInt(c.numAttentionHeads()).putInt(c.numKeyValueHeads())
          .putInt(c.tieWordEmbeddings() ? c.vocabSize() : -c.vocabSize())
          .putInt(c.maxPositionEmbeddings()).flip();
      ch.write(header);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20)
          .order(ByteOrder.LITTLE_ENDIAN);
      for (int k = 0; k < counts.length; k++) {
        for (long i = 0; i < counts[k]; i++) {
          buf.putFloat(gains[k] ? 1f : k == 11 ? 0f : (float) (0.02 * rng.nextGaussian()));
          if (!buf.hasRemaining()) {
            buf.flip();
            ch.write(buf);
            buf.clear();
          }
        }
      }
      buf.flip();
      ch.write(buf);
    } catch (IOException e) {
      throw new TemperException(file + ": cannot write llama2.c checkpoint: " + e.getMessage(),
          e);
    }
  }
}
