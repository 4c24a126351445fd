package ai.temper.engine.model.hf;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's LlamaForCausalLM / Qwen2ForCausalLM forward pass in plain Java, one token at
 * a time with a KV cache: a slow, dependency-free oracle for checking exported directories
 * and the DJL model against transformers (same logits to float rounding). Not for training
 * or serving.
 */
public final class ReferenceLlama {
  private final LlamaConfig c;
  private final StateDict w;
  private final float[] invFreq;
  private final List<List<float[]>> keys = new ArrayList<>();
  private final List<List<float[]>> values = new ArrayList<>();

  public ReferenceLlama(LlamaConfig config, StateDict weights) {
    ai.temper.engine.model.DecoderVariant v = config.variant();
    if (!v.fastDecodable() || v.norm() != ai.temper.engine.model.DecoderVariant.Norm.RMS
        || v.hasSlidingLayers() || v.fusedQkv()) {
      throw new ai.temper.engine.TemperException("The plain-Java reference computes "
          + "Llama-shaped decoders only (Llama, Mistral without a window, Qwen2), not '"
          + v.modelType() + "': use the engine's forward for it");
    }
    this.c = config;
    this.w = weights;
    this.invFreq = inverseFrequencies(config);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      keys.add(new ArrayList<>());
      values.add(new ArrayList<>());
    }
  }

  /** Rotary frequencies with HF's "linear" and "llama3" rope_scaling. */
  static float[] inverseFrequencies(LlamaConfig c) {
    int half = c.headDim() / 2;
    double[] f = new double[half];
    for (int i = 0; i < half; i++) {
      f[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
    }
    JsonNode s = c.ropeScaling();
    String type = s == null ? "" : s.path("rope_type").asText(s.path("type").asText(""));
    if (type.equals("linear")) {
      double factor = s.path("factor").asDouble(1);
      for (int i = 0; i < half; i++) {
        f[i] /= factor;
      }
    } else if (type.equals("llama3")) {
      double factor = s.path("factor").asDouble();
      double low = s.path("low_freq_factor").asDouble();
      double high = s.path("high_freq_factor").asDouble();
      double old = s.path("original_max_position_embeddings").asDouble();
      double lowWavelen = old / low;
      double highWavelen = old / high;
      for (int i = 0; i < half; i++) {
        double wavelen = 2 * Math.PI / f[i];
        if (wavelen > lowWavelen) {
          f[i] /= factor;
        } else if (wavelen >= highWavelen) {
          double smooth = (old / wavelen - low) / (high - low);
          f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
        }
      }
    } else if (!type.isEmpty() && !type.equals("default")) {
      throw new ai.temper.engine.TemperException("rope_scaling type '" + type
          + "' is not supported (default, linear, llama3)");
    }
    float[] out = new float[half];
    for (int i = 0; i < half; i++) {
      out[i] = (float) f[i];
    }
    return out;
  }

  /** The number of positions fed so far. */
  public int position() {
    return keys.isEmpty() ? 0 : keys.get(0).size();
  }

  /** Feeds the next token; returns the logits predicting the token after it. */
  public float[] next(int token) {
    int d = c.hiddenSize();
    int hd = c.headDim();
    int heads = c.numAttentionHeads();
    int kvHeads = c.numKeyValueHeads();
    int pos = position();
    float[] x = new float[d];
    System.arraycopy(w.get("model.embed_tokens.weight").data(), token * d, x, 0, d);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      float[] h = rmsNorm(x, w.get(p + "input_layernorm.weight").data());
      float[] q = linear(h, p + "self_attn.q_proj");
      float[] k = linear(h, p + "self_attn.k_proj");
      float[] v = linear(h, p + "self_attn.v_proj");
      rope(q, heads, hd, pos);
      rope(k, kvHeads, hd, pos);
      keys.get(l).add(k);
      values.get(l).add(v);
      float[] att = new float[heads * hd];
      int group = heads / kvHeads;
      double scale = 1 / Math.sqrt(hd);
      for (int hh = 0; hh < heads; hh++) {
        int kvh = hh / group;
        int n = pos + 1;
        double[] s = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < n; t++) {
          float[] kt = keys.get(l).get(t);
          double dot = 0;
          for (int i = 0; i < hd; i++) {
            dot += q[hh * hd + i] * kt[kvh * hd + i];
          }
          s[t] = dot * scale;
          max = Math.max(max, s[t]);
        }
        double sum = 0;
        for (int t = 0; t < n; t++) {
          s[t] = Math.exp(s[t] - max);
          sum += s[t];
        }
        for (int i = 0; i < hd; i++) {
          double acc = 0;
          for (int t = 0; t < n; t++) {
            acc += s[t] * values.get(l).get(t)[kvh * hd + i];
          }
          att[hh * hd + i] = (float) (acc / sum);
        }
      }
      float[] o = linear(att, p + "self_attn.o_proj");
      for (int i = 0; i < d; i++) {
        x[i] += o[i];
      }
      h = rmsNorm(x, w.get(p + "post_attention_layernorm.weight").data());
      float[] gate = linear(h, p + "mlp.gate_proj");
      float[] up = linear(h, p + "mlp.up_proj");
      for (int i = 0; i < gate.length; i++) {
        double g = gate[i];
        gate[i] = (float) (g / (1 + Math.exp(-g)) * up[i]);
      }
      float[] down = linear(gate, p + "mlp.down_proj");
      for (int i = 0; i < d; i++) {
        x[i] += down[i];
      }
    }
    float[] h = rmsNorm(x, w.get("model.norm.weight").data());
    Tensor head = c.tieWordEmbeddings() ? w.get("model.embed_tokens.weight")
        : w.get("lm_head.weight");
    return matVec(head.data(), c.vocabSize(), d, h);
  }

  /** Logits for every position of {@code ids} (from a fresh cache). */
  public static float[][] logits(LlamaConfig c, StateDict w, int[] ids) {
    ReferenceLlama m = new ReferenceLlama(c, w);
    float[][] out = new float[ids.length][];
    for (int i = 0; i < ids.length; i++) {
      out[i] = m.next(ids[i]);
    }
    return out;
  }

  /**
   * Greedy decoding: feeds {@code prompt} and appends argmax tokens until {@code maxLength}
   * positions in all or {@code stopId}; returns the whole sequence.
   */
  public static int[] greedy(LlamaConfig c, StateDict w, int[] prompt, int maxLength,
      int stopId) {
    return greedy(c, w, prompt, maxLength, java.util.Set.of(stopId));
  }

  /** Greedy decoding that stops after any of {@code stopIds} (the stop token is kept). */
  public static int[] greedy(LlamaConfig c, StateDict w, int[] prompt, int maxLength,
      java.util.Set<Integer> stopIds) {
    ReferenceLlama m = new ReferenceLlama(c, w);
    List<Integer> seq = new ArrayList<>();
    float[] logits = null;
    for (int id : prompt) {
      seq.add(id);
      logits = m.next(id);
    }
    while (seq.size() < maxLength && logits != null) {
      int best = argmax(logits);
      seq.add(best);
      if (stopIds.contains(best) || seq.size() >= maxLength) {
        break;
      }
      logits = m.next(best);
    }
    return seq.stream().mapToInt(Integer::intValue).toArray();
  }

  public static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  private float[] rmsNorm(float[] x, float[] g) {
    double ss = 0;
    for (float v : x) {
      ss += (double) v * v;
    }
    float inv = (float) (1 / Math.sqrt(ss / x.length + c.rmsNormEps()));
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = g[i] * (x[i] * inv);
    }
    return out;
  }

  private float[] linear(float[] x, String name) {
    Tensor wt = w.get(name + ".weight");
    int out = (int) wt.shape()[0];
    float[] y = matVec(wt.data(), out, x.length, x);
    Tensor b = w.get(name + ".bias");
    if (b != null) {
      for (int i = 0; i < out; i++) {
        y[i] += b.data()[i];
      }
    }
    return y;
  }

  private static float[] matVec(float[] m, int rows, int cols, float[] x) {
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      double acc = 0;
      int base = r * cols;
      for (int i = 0; i < cols; i++) {
        acc += m[base + i] * x[i];
      }
      y[r] = (float) acc;
    }
    return y;
  }

  /** HF's rotate-half RoPE: pairs (i, i + hd/2) within each head. */
  private void rope(float[] v, int nHeads, int hd, int pos) {
    int half = hd / 2;
    for (int h = 0; h < nHeads; h++) {
      for (int i = 0; i < half; i++) {
        double angle = pos * (double) invFreq[i];
        float cos = (float) Math.cos(angle);
        float sin = (float) Math.sin(angle);
        int a = h * hd + i;
        int b = a + half;
        float x1 = v[a];
        float x2 = v[b];
        v[a] = x1 * cos - x2 * sin;
        v[b] = x2 * cos + x1 * sin;
      }
    }
  }
}
