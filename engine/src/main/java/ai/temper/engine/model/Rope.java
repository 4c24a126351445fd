package ai.temper.engine.model;

import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Rotary position embedding frequencies as Hugging Face computes them (float32), with the
 * rope_scaling types transformers defines for these families: "linear", "dynamic" (NTK; within
 * max_position_embeddings it is the default RoPE), "yarn", "llama3" and "longrope" (short
 * factors while a pass's longest position is within original_max_position_embeddings, long
 * factors past it, as transformers switches them). Tables use HF's rotate-half layout over
 * the rotary dimensions: the rotaryDim/2 frequencies repeated twice, times the attention
 * factor (yarn, longrope).
 */
final class Rope {
  private final float[] invFreq;
  /** longrope's frequencies for passes longer than {@link #longFrom}, else null. */
  private final float[] longInvFreq;
  private final float attentionFactor;
  private final int longFrom;

  Rope(LlamaConfig c) {
    this(c.ropeTheta(), c.ropeScaling(), c.rotaryDim(), c.maxPositionEmbeddings());
  }

  /** The RoPE of Gemma 3's sliding-window layers: plain, with its own base. */
  static Rope plain(double theta, int rotaryDim) {
    return new Rope(theta, null, rotaryDim, Integer.MAX_VALUE);
  }

  /** Fails (naming the field) when the scaling cannot be computed. */
  static void validate(double theta, JsonNode scaling, int headDim, int rotaryDim,
      int maxPositions) {
    if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > headDim) {
      throw new TemperException("Model config: partial_rotary_factor gives " + rotaryDim
          + " rotary dimensions of head_dim " + headDim + " (must be even and positive)");
    }
    new Rope(theta, scaling, rotaryDim, maxPositions);
  }

  Rope(double theta, JsonNode scaling, int dim, int maxPositions) {
    float[] f = new float[dim / 2];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (1.0 / Math.pow(theta, (2.0f * i) / dim));
    }
    float attention = 1f;
    float[] longFreq = null;
    int from = Integer.MAX_VALUE;
    if (scaling != null && !scaling.isNull() && !scaling.isEmpty()) {
      String type = LlamaConfig.ropeType(scaling);
      switch (type) {
        case "default", "dynamic" -> {
          // dynamic NTK changes the base only past max_position_embeddings, where Temper
          // never goes
        }
        case "linear" -> {
          double factor = number(scaling, "factor");
          for (int i = 0; i < f.length; i++) {
            f[i] = (float) (f[i] / factor);
          }
        }
        case "llama3" -> f = llama3(f, scaling);
        case "yarn" -> {
          attention = (float) yarn(f, scaling, theta, dim, maxPositions);
        }
        case "longrope" -> {
          int original = scaling.path("original_max_position_embeddings").asInt(maxPositions);
          double factor = (double) maxPositions / original;
          double attn = scaling.path("attention_factor").isNumber()
              ? scaling.get("attention_factor").asDouble()
              : factor <= 1 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
          attention = (float) attn;
          f = longrope(scaling, "short_factor", theta, dim);
          longFreq = longrope(scaling, "long_factor", theta, dim);
          from = original;
        }
        default -> throw new TemperException("Model config: field 'rope_scaling.rope_type' = '"
            + type + "' is not supported (Temper computes default, linear, dynamic, yarn, "
            + "llama3 and longrope)");
      }
    }
    this.invFreq = f;
    this.longInvFreq = longFreq;
    this.attentionFactor = attention;
    this.longFrom = from;
  }

  private static float[] longrope(JsonNode s, String field, double theta, int dim) {
    JsonNode ext = s.get(field);
    if (ext == null || !ext.isArray() || ext.size() != dim / 2) {
      throw new TemperException("Model config: rope_scaling." + field + " must list "
          + dim / 2 + " numbers (rotary dimensions / 2)");
    }
    float[] f = new float[dim / 2];
    for (int i = 0; i < f.length; i++) {
      float base = (float) Math.pow(theta, (2.0f * i) / dim);
      f[i] = 1f / ((float) ext.get(i).asDouble() * base);
    }
    return f;
  }

  /**
   * Whether a pass whose longest position is {@code seqLen - 1} uses longrope's long factors
   * (transformers: seq_len = max(position_ids) + 1 > original_max_position_embeddings).
   */
  boolean usesLong(int seqLen) {
    return longInvFreq != null && seqLen > longFrom;
  }

  /** The sequence length up to which one table serves every pass (MAX_VALUE: any). */
  int singleTableUpTo() {
    return longFrom;
  }

  private static double number(JsonNode s, String field) {
    JsonNode v = s.get(field);
    if (v == null || !v.isNumber()) {
      throw new TemperException("Model config: rope_scaling." + field + " is missing");
    }
    return v.asDouble();
  }

  private static float[] llama3(float[] f, JsonNode s) {
    double factor = number(s, "factor");
    double low = s.path("low_freq_factor").asDouble(1.0);
    double high = s.path("high_freq_factor").asDouble(4.0);
    double oldLen = s.path("original_max_position_embeddings").asDouble(8192);
    double lowWavelen = oldLen / low;
    double highWavelen = oldLen / high;
    float[] out = new float[f.length];
    for (int i = 0; i < f.length; i++) {
      double wavelen = 2 * Math.PI / f[i];
      if (wavelen < highWavelen) {
        out[i] = f[i];
      } else if (wavelen > lowWavelen) {
        out[i] = (float) (f[i] / factor);
      } else {
        double smooth = (oldLen / wavelen - low) / (high - low);
        out[i] = (float) ((1 - smooth) * f[i] / factor + smooth * f[i]);
      }
    }
    return out;
  }

  /** YaRN (Peng et al. 2023): blends interpolated and original frequencies; returns mscale. */
  private static double yarn(float[] f, JsonNode s, double theta, int dim, int maxPositions) {
    double factor = number(s, "factor");
    double original = s.path("original_max_position_embeddings").isNumber()
        ? s.get("original_max_position_embeddings").asDouble() : maxPositions;
    double attention;
    if (s.path("attention_factor").isNumber()) {
      attention = s.get("attention_factor").asDouble();
    } else if (s.path("mscale").isNumber() && s.path("mscale_all_dim").isNumber()
        && s.get("mscale").asDouble() != 0 && s.get("mscale_all_dim").asDouble() != 0) {
      attention = mscale(factor, s.get("mscale").asDouble())
          / mscale(factor, s.get("mscale_all_dim").asDouble());
    } else {
      attention = mscale(factor, 1);
    }
    double betaFast = s.path("beta_fast").asDouble(0) != 0 ? s.get("beta_fast").asDouble() : 32;
    double betaSlow = s.path("beta_slow").asDouble(0) != 0 ? s.get("beta_slow").asDouble() : 1;
    boolean truncate = s.path("truncate").asBoolean(true);
    double low = correctionDim(betaFast, dim, theta, original);
    double high = correctionDim(betaSlow, dim, theta, original);
    if (truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, dim - 1);
    if (low == high) {
      high += 0.001;
    }
    for (int i = 0; i < f.length; i++) {
      float posFreq = (float) Math.pow(theta, (2.0f * i) / dim);
      float extrapolation = 1f / posFreq;
      float interpolation = (float) (1.0 / (factor * posFreq));
      float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
      float keep = 1 - ramp; // the share of the original (extrapolated) frequency
      f[i] = interpolation * (1 - keep) + extrapolation * keep;
    }
    return attention;
  }

  private static double mscale(double scale, double m) {
    return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
  }

  private static double correctionDim(double rotations, int dim, double base, double maxPos) {
    return dim * Math.log(maxPos / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
  }

  /** cos (or sin) of position {@code p} for each of the rotary dims, HF layout. */
  void fill(int p, boolean sin, float[] out, int at) {
    fill(p, sin, out, at, false);
  }

  /** The same with longrope's long factors when {@code longFactors}. */
  void fill(int p, boolean sin, float[] out, int at, boolean longFactors) {
    float[] freq = longFactors && longInvFreq != null ? longInvFreq : invFreq;
    int half = freq.length;
    for (int i = 0; i < half; i++) {
      float angle = (float) p * freq[i];
      float v = (float) (sin ? Math.sin(angle) : Math.cos(angle)) * attentionFactor;
      out[at + i] = v;
      out[at + half + i] = v;
    }
  }

  /** The rotary dimensions (head_dim unless partial). */
  int rotaryDim() {
    return 2 * invFreq.length;
  }
}
