package ai.temper.engine.model.hf;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A test oracle: the llama2.c checkpoint layout of ALGORITHMS.md read straight into HF names,
 * q/k rows permuted from adjacent pairs (2i, 2i+1) to halves (i, i + hd/2) per head. The
 * engine's own reader is the production path; this one checks the conversion independently.
 */
final class Llama2cTestReader {
  record Model(LlamaConfig config, StateDict weights) {}

  private Llama2cTestReader() {}

  static Model read(Path file) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int dim = bb.getInt();
    int hidden = bb.getInt();
    int layers = bb.getInt();
    int heads = bb.getInt();
    int kvHeads = bb.getInt();
    int vocab = bb.getInt();
    int seqLen = bb.getInt();
    boolean tied = vocab > 0;
    vocab = Math.abs(vocab);
    int hd = dim / heads;
    int kv = kvHeads * hd;
    FloatBuffer f = bb.asFloatBuffer();
    LlamaConfig c = LlamaConfig.llama(vocab, dim, hidden, layers, heads, kvHeads, seqLen, tied);
    StateDict sd = new StateDict();
    sd.put("model.embed_tokens.weight", new Tensor(new long[] {vocab, dim}, take(f, vocab * dim)));
    float[] attnNorm = take(f, layers * dim);
    float[] wq = take(f, layers * dim * dim);
    float[] wk = take(f, layers * kv * dim);
    float[] wv = take(f, layers * kv * dim);
    float[] wo = take(f, layers * dim * dim);
    float[] ffnNorm = take(f, layers * dim);
    float[] w1 = take(f, layers * hidden * dim);
    float[] w2 = take(f, layers * dim * hidden);
    float[] w3 = take(f, layers * hidden * dim);
    float[] norm = take(f, dim);
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      sd.put(p + "input_layernorm.weight", slice(attnNorm, l, dim));
      sd.put(p + "self_attn.q_proj.weight", halves(slice(wq, l, dim, dim), heads));
      sd.put(p + "self_attn.k_proj.weight", halves(slice(wk, l, kv, dim), kvHeads));
      sd.put(p + "self_attn.v_proj.weight", slice(wv, l, kv, dim));
      sd.put(p + "self_attn.o_proj.weight", slice(wo, l, dim, dim));
      sd.put(p + "post_attention_layernorm.weight", slice(ffnNorm, l, dim));
      sd.put(p + "mlp.gate_proj.weight", slice(w1, l, hidden, dim));
      sd.put(p + "mlp.down_proj.weight", slice(w2, l, dim, hidden));
      sd.put(p + "mlp.up_proj.weight", slice(w3, l, hidden, dim));
    }
    sd.put("model.norm.weight", new Tensor(new long[] {dim}, norm));
    f.position(f.position() + seqLen * hd); // the two legacy RoPE tables
    if (!tied) {
      sd.put("lm_head.weight", new Tensor(new long[] {vocab, dim}, take(f, vocab * dim)));
    }
    return new Model(c, sd);
  }

  private static float[] take(FloatBuffer b, int n) {
    float[] x = new float[n];
    b.get(x);
    return x;
  }

  private static Tensor slice(float[] all, int layer, long... shape) {
    int n = 1;
    for (long s : shape) {
      n *= (int) s;
    }
    return new Tensor(shape, Arrays.copyOfRange(all, layer * n, (layer + 1) * n));
  }

  private static Tensor halves(Tensor w, int heads) {
    int rows = (int) w.shape()[0];
    int cols = (int) w.shape()[1];
    int hd = rows / heads;
    float[] out = new float[w.data().length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < hd / 2; i++) {
        System.arraycopy(w.data(), (h * hd + 2 * i) * cols, out, (h * hd + i) * cols, cols);
        System.arraycopy(w.data(), (h * hd + 2 * i + 1) * cols, out,
            (h * hd + hd / 2 + i) * cols, cols);
      }
    }
    return new Tensor(w.shape(), out);
  }
}
