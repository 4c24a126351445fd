package ai.temper.engine.model.families;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent forward pass for every family, in plain Java with double accumulation,
 * written from the transformers modelling files' maths (modeling_llama, mistral, qwen2,
 * qwen3, smollm3, olmo, olmo2, gemma2, gemma3, phi3 and modeling_rope_utils) and from a
 * config.json in transformers 4's layout. It shares no code with the engine: it reads the
 * config itself, names the tensors itself and recomputes every position from scratch.
 */
final class ReferenceDecoder {
  private final JsonNode c;
  private final Map<String, float[]> w;
  private final String type;
  private final int d;
  private final int heads;
  private final int kvHeads;
  private final int hd;
  private final int layers;
  private final int vocab;
  private final int inter;
  private final double eps;
  private final boolean gemma;

  ReferenceDecoder(JsonNode config, Map<String, float[]> weights) {
    this.c = config;
    this.w = weights;
    this.type = config.get("model_type").asText();
    this.d = config.get("hidden_size").asInt();
    this.heads = config.get("num_attention_heads").asInt();
    this.kvHeads = config.path("num_key_value_heads").asInt(heads);
    this.hd = config.has("head_dim") ? config.get("head_dim").asInt() : d / heads;
    this.layers = config.get("num_hidden_layers").asInt();
    this.vocab = config.get("vocab_size").asInt();
    this.inter = config.get("intermediate_size").asInt();
    this.eps = type.equals("olmo") ? 1e-5 : config.path("rms_norm_eps").asDouble(1e-6);
    this.gemma = type.startsWith("gemma");
  }

  boolean tied() {
    return c.path("tie_word_embeddings").asBoolean(gemma || type.equals("smollm3"));
  }

  /** q, k, v biases (Qwen2 always; the others with attention_bias). */
  private boolean qkvBias() {
    return type.equals("qwen2") || c.path("attention_bias").asBoolean(false);
  }

  private boolean oBias() {
    return !type.equals("qwen2") && c.path("attention_bias").asBoolean(false);
  }

  /** The tensors the transformers model of this config has, with their shapes. */
  Map<String, int[]> shapes() {
    Map<String, int[]> s = new LinkedHashMap<>();
    s.put("model.embed_tokens.weight", new int[] {vocab, d});
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      if (!type.equals("olmo") && !type.equals("olmo2")) {
        s.put(p + "input_layernorm.weight", new int[] {d});
      }
      if (!type.equals("olmo")) {
        s.put(p + "post_attention_layernorm.weight", new int[] {d});
      }
      if (gemma) {
        s.put(p + "pre_feedforward_layernorm.weight", new int[] {d});
      }
      if (gemma || type.equals("olmo2")) {
        s.put(p + "post_feedforward_layernorm.weight", new int[] {d});
      }
      if (type.equals("phi3")) {
        s.put(p + "self_attn.qkv_proj.weight", new int[] {(heads + 2 * kvHeads) * hd, d});
        s.put(p + "mlp.gate_up_proj.weight", new int[] {2 * inter, d});
      } else {
        s.put(p + "self_attn.q_proj.weight", new int[] {heads * hd, d});
        s.put(p + "self_attn.k_proj.weight", new int[] {kvHeads * hd, d});
        s.put(p + "self_attn.v_proj.weight", new int[] {kvHeads * hd, d});
        s.put(p + "mlp.gate_proj.weight", new int[] {inter, d});
        s.put(p + "mlp.up_proj.weight", new int[] {inter, d});
        if (qkvBias()) {
          s.put(p + "self_attn.q_proj.bias", new int[] {heads * hd});
          s.put(p + "self_attn.k_proj.bias", new int[] {kvHeads * hd});
          s.put(p + "self_attn.v_proj.bias", new int[] {kvHeads * hd});
        }
      }
      s.put(p + "self_attn.o_proj.weight", new int[] {d, heads * hd});
      if (oBias()) {
        s.put(p + "self_attn.o_proj.bias", new int[] {d});
      }
      s.put(p + "mlp.down_proj.weight", new int[] {d, inter});
      if (type.equals("qwen3") || type.equals("gemma3_text")) {
        s.put(p + "self_attn.q_norm.weight", new int[] {hd});
        s.put(p + "self_attn.k_norm.weight", new int[] {hd});
      } else if (type.equals("olmo2")) {
        s.put(p + "self_attn.q_norm.weight", new int[] {heads * hd});
        s.put(p + "self_attn.k_norm.weight", new int[] {kvHeads * hd});
      }
    }
    if (!type.equals("olmo")) {
      s.put("model.norm.weight", new int[] {d});
    }
    if (!tied()) {
      s.put("lm_head.weight", new int[] {vocab, d});
    }
    return s;
  }

  /** Logits (T, vocab) at every position of {@code ids}. */
  double[][] logits(int[] ids) {
    int t = ids.length;
    double[][] x = new double[t][];
    for (int i = 0; i < t; i++) {
      x[i] = row(w.get("model.embed_tokens.weight"), ids[i], d);
      if (gemma) {
        double normalizer = (float) Math.sqrt(d); // a tensor of the activations' dtype
        for (int j = 0; j < d; j++) {
          x[i][j] *= normalizer;
        }
      }
    }
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      double[][] h = new double[t][];
      for (int i = 0; i < t; i++) {
        h[i] = switch (type) {
          case "olmo2" -> x[i].clone();
          case "olmo" -> layerNorm(x[i]);
          default -> norm(x[i], p + "input_layernorm.weight");
        };
      }
      double[][] a = attention(l, p, h);
      for (int i = 0; i < t; i++) {
        if (gemma || type.equals("olmo2")) {
          a[i] = norm(a[i], p + "post_attention_layernorm.weight");
        }
        add(x[i], a[i]);
      }
      for (int i = 0; i < t; i++) {
        double[] m = switch (type) {
          case "olmo2" -> x[i].clone();
          case "olmo" -> layerNorm(x[i]);
          default -> norm(x[i], gemma ? p + "pre_feedforward_layernorm.weight"
              : p + "post_attention_layernorm.weight");
        };
        m = mlp(p, m);
        if (gemma || type.equals("olmo2")) {
          m = norm(m, p + "post_feedforward_layernorm.weight");
        }
        add(x[i], m);
      }
    }
    double[][] out = new double[t][];
    float[] head = w.get(tied() ? "model.embed_tokens.weight" : "lm_head.weight");
    double cap = c.path("final_logit_softcapping").isNumber()
        ? c.get("final_logit_softcapping").asDouble()
        : type.equals("gemma2") && !c.has("final_logit_softcapping") ? 30.0 : 0;
    for (int i = 0; i < t; i++) {
      double[] h = type.equals("olmo") ? layerNorm(x[i]) : norm(x[i], "model.norm.weight");
      out[i] = matVec(head, vocab, d, h);
      if (cap > 0) {
        for (int j = 0; j < vocab; j++) {
          out[i][j] = cap * Math.tanh(out[i][j] / cap);
        }
      }
    }
    return out;
  }

  /** Greedy continuation of {@code prompt} to {@code total} tokens, recomputing each step. */
  int[] greedy(int[] prompt, int total) {
    int[] seq = java.util.Arrays.copyOf(prompt, total);
    for (int n = prompt.length; n < total; n++) {
      double[][] lg = logits(java.util.Arrays.copyOf(seq, n));
      seq[n] = argmax(lg[n - 1]);
    }
    return seq;
  }

  static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  private double[][] attention(int l, String p, double[][] h) {
    int t = h.length;
    double[][] q = new double[t][];
    double[][] k = new double[t][];
    double[][] v = new double[t][];
    for (int i = 0; i < t; i++) {
      if (type.equals("phi3")) {
        double[] qkv = matVec(w.get(p + "self_attn.qkv_proj.weight"), (heads + 2 * kvHeads) * hd,
            d, h[i]);
        q[i] = java.util.Arrays.copyOfRange(qkv, 0, heads * hd);
        k[i] = java.util.Arrays.copyOfRange(qkv, heads * hd, (heads + kvHeads) * hd);
        v[i] = java.util.Arrays.copyOfRange(qkv, (heads + kvHeads) * hd, qkv.length);
      } else {
        q[i] = linear(p + "self_attn.q_proj", heads * hd, h[i], qkvBias());
        k[i] = linear(p + "self_attn.k_proj", kvHeads * hd, h[i], qkvBias());
        v[i] = linear(p + "self_attn.v_proj", kvHeads * hd, h[i], qkvBias());
      }
      if (c.path("clip_qkv").isNumber()) {
        double clip = c.get("clip_qkv").asDouble();
        for (double[] z : new double[][] {q[i], k[i], v[i]}) {
          for (int j = 0; j < z.length; j++) {
            z[j] = Math.max(-clip, Math.min(clip, z[j]));
          }
        }
      }
      if (type.equals("olmo2")) { // q_norm / k_norm over the whole projection
        q[i] = rms(q[i], w.get(p + "self_attn.q_norm.weight"), false);
        k[i] = rms(k[i], w.get(p + "self_attn.k_norm.weight"), false);
      }
      if (type.equals("qwen3") || type.equals("gemma3_text")) { // per head
        perHeadNorm(q[i], heads, w.get(p + "self_attn.q_norm.weight"));
        perHeadNorm(k[i], kvHeads, w.get(p + "self_attn.k_norm.weight"));
      }
    }
    boolean sliding = isSliding(l);
    if (usesRope(l)) {
      RopeTable rope = ropeOf(sliding, t);
      for (int i = 0; i < t; i++) {
        rope.apply(q[i], heads, hd, i);
        rope.apply(k[i], kvHeads, hd, i);
      }
    }
    int window = sliding ? c.get("sliding_window").asInt() : Integer.MAX_VALUE;
    double scale = gemma ? 1 / Math.sqrt(c.path("query_pre_attn_scalar").asDouble(256))
        : 1 / Math.sqrt(hd);
    double cap = c.path("attn_logit_softcapping").isNumber()
        ? c.get("attn_logit_softcapping").asDouble()
        : type.equals("gemma2") && !c.has("attn_logit_softcapping") ? 50.0 : 0;
    int group = heads / kvHeads;
    double[][] out = new double[t][];
    for (int i = 0; i < t; i++) {
      double[] att = new double[heads * hd];
      for (int hh = 0; hh < heads; hh++) {
        int kh = hh / group;
        double[] s = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          double dot = 0;
          for (int e = 0; e < hd; e++) {
            dot += q[i][hh * hd + e] * k[j][kh * hd + e];
          }
          dot *= scale;
          if (cap > 0) {
            dot = cap * Math.tanh(dot / cap);
          }
          s[j] = i - j < window ? dot : Double.NEGATIVE_INFINITY;
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int e = 0; e < hd; e++) {
          double acc = 0;
          for (int j = 0; j <= i; j++) {
            acc += s[j] * v[j][kh * hd + e];
          }
          att[hh * hd + e] = acc / sum;
        }
      }
      out[i] = linear(p + "self_attn.o_proj", d, att, oBias());
    }
    return out;
  }

  private boolean isSliding(int l) {
    if (!c.path("sliding_window").isNumber()) {
      return false;
    }
    return switch (type) {
      case "mistral", "phi3" -> true;
      case "gemma2" -> l % 2 == 0;
      case "gemma3_text" -> (l + 1) % c.path("sliding_window_pattern").asInt(6) != 0;
      case "qwen2", "qwen3" -> c.path("use_sliding_window").asBoolean(false)
          && l >= c.path("max_window_layers").asInt(layers);
      default -> false;
    };
  }

  private boolean usesRope(int l) {
    return !type.equals("smollm3") || c.get("no_rope_layers").get(l).asInt() != 0;
  }

  private double[] mlp(String p, double[] h) {
    double[] gate;
    double[] up;
    if (type.equals("phi3")) {
      double[] gu = matVec(w.get(p + "mlp.gate_up_proj.weight"), 2 * inter, d, h);
      gate = java.util.Arrays.copyOfRange(gu, 0, inter);
      up = java.util.Arrays.copyOfRange(gu, inter, 2 * inter);
    } else {
      gate = matVec(w.get(p + "mlp.gate_proj.weight"), inter, d, h);
      up = matVec(w.get(p + "mlp.up_proj.weight"), inter, d, h);
    }
    double[] a = new double[inter];
    for (int i = 0; i < inter; i++) {
      double g = gate[i];
      double act = gemma
          ? 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)))
          : g / (1 + Math.exp(-g));
      a[i] = act * up[i];
    }
    return matVec(w.get(p + "mlp.down_proj.weight"), d, inter, a);
  }

  /** The family's RMSNorm: x / rms * w, Gemma's * (1 + w). */
  private double[] norm(double[] x, String name) {
    return rms(x, w.get(name), gemma);
  }

  private double[] rms(double[] x, float[] g, boolean onePlus) {
    double ms = 0;
    for (double v : x) {
      ms += v * v;
    }
    double inv = 1 / Math.sqrt(ms / x.length + eps);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * inv * (onePlus ? 1 + g[i] : g[i]);
    }
    return out;
  }

  private void perHeadNorm(double[] x, int n, float[] g) {
    for (int h = 0; h < n; h++) {
      double[] part = java.util.Arrays.copyOfRange(x, h * hd, (h + 1) * hd);
      System.arraycopy(rms(part, g, gemma), 0, x, h * hd, hd);
    }
  }

  private double[] layerNorm(double[] x) {
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= x.length;
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (x[i] - mean) / Math.sqrt(var + eps);
    }
    return out;
  }

  private double[] linear(String module, int out, double[] x, boolean bias) {
    double[] y = matVec(w.get(module + ".weight"), out, x.length, x);
    if (bias) {
      float[] b = w.get(module + ".bias");
      for (int i = 0; i < out; i++) {
        y[i] += b[i];
      }
    }
    return y;
  }

  private static double[] matVec(float[] m, int rows, int cols, double[] x) {
    double[] y = new double[rows];
    for (int r = 0; r < rows; r++) {
      double acc = 0;
      for (int j = 0; j < cols; j++) {
        acc += m[r * cols + j] * x[j];
      }
      y[r] = acc;
    }
    return y;
  }

  private static double[] row(float[] m, int r, int cols) {
    double[] out = new double[cols];
    for (int j = 0; j < cols; j++) {
      out[j] = m[r * cols + j];
    }
    return out;
  }

  private static void add(double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }

  // ------------------------------------------------------------------ rotary embeddings

  /** Inverse frequencies and the cos/sin factor of one RoPE (modeling_rope_utils). */
  private record RopeTable(double[] invFreq, double attentionFactor, int rotary) {
    /** Rotate-half RoPE on the first {@code rotary} dims of each head at position p. */
    void apply(double[] x, int n, int hd, int p) {
      int half = rotary / 2;
      for (int h = 0; h < n; h++) {
        int o = h * hd;
        for (int i = 0; i < half; i++) {
          double angle = p * invFreq[i];
          double cos = Math.cos(angle) * attentionFactor;
          double sin = Math.sin(angle) * attentionFactor;
          double a = x[o + i];
          double b = x[o + half + i];
          x[o + i] = a * cos - b * sin;
          x[o + half + i] = b * cos + a * sin;
        }
      }
    }
  }

  /** The RoPE of a pass over {@code seqLen} positions (longrope picks its factors by it). */
  private RopeTable ropeOf(boolean sliding, int seqLen) {
    int rotary = (int) (hd * c.path("partial_rotary_factor").asDouble(1.0));
    double theta = c.path("rope_theta").asDouble(10000);
    JsonNode s = c.get("rope_scaling");
    if (type.equals("gemma3_text") && sliding) {
      theta = c.path("rope_local_base_freq").asDouble(10000);
      s = null;
    }
    int half = rotary / 2;
    double[] f = new double[half];
    for (int i = 0; i < half; i++) {
      f[i] = 1 / Math.pow(theta, 2.0 * i / rotary);
    }
    double attention = 1;
    String kind = s == null || s.isNull() ? "default"
        : s.has("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("default");
    int maxPos = c.path("max_position_embeddings").asInt();
    switch (kind) {
      case "linear" -> {
        for (int i = 0; i < half; i++) {
          f[i] /= s.get("factor").asDouble();
        }
      }
      case "llama3" -> {
        double factor = s.get("factor").asDouble();
        double lowF = s.get("low_freq_factor").asDouble();
        double highF = s.get("high_freq_factor").asDouble();
        double old = s.get("original_max_position_embeddings").asDouble();
        for (int i = 0; i < half; i++) {
          double wavelen = 2 * Math.PI / f[i];
          if (wavelen > old / lowF) {
            f[i] /= factor;
          } else if (wavelen >= old / highF) {
            double smooth = (old / wavelen - lowF) / (highF - lowF);
            f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
          }
        }
      }
      case "yarn" -> {
        double factor = s.get("factor").asDouble();
        double orig = s.path("original_max_position_embeddings").asDouble(maxPos);
        attention = 0.1 * Math.log(factor) + 1;
        double lo = Math.max(0, Math.floor(corr(32, rotary, theta, orig)));
        double hi = Math.min(rotary - 1, Math.ceil(corr(1, rotary, theta, orig)));
        for (int i = 0; i < half; i++) {
          double ramp = Math.max(0, Math.min(1, (i - lo) / (hi == lo ? 0.001 : hi - lo)));
          double extra = f[i];
          double interp = f[i] / factor;
          f[i] = interp * ramp + extra * (1 - ramp);
        }
      }
      case "longrope" -> {
        double orig = c.get("original_max_position_embeddings").asDouble();
        double factor = maxPos / orig;
        attention = Math.sqrt(1 + Math.log(factor) / Math.log(orig));
        JsonNode sf = s.get(seqLen > orig ? "long_factor" : "short_factor");
        for (int i = 0; i < half; i++) {
          f[i] = 1 / (sf.get(i).asDouble() * Math.pow(theta, 2.0 * i / rotary));
        }
      }
      case "default", "dynamic" -> { }
      default -> throw new IllegalArgumentException(kind);
    }
    return new RopeTable(f, attention, rotary);
  }

  private static double corr(double rotations, int dim, double base, double maxPos) {
    return dim * Math.log(maxPos / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
  }
}
