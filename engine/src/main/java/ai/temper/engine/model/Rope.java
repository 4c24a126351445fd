package ai.temper.engine.model;

import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Rotary position embedding frequencies as Hugging Face computes them (float32), with the
 * "linear" and "llama3" rope_scaling variants. Tables use HF's rotate-half layout: the
 * head_dim/2 frequencies repeated twice.
 */
final class Rope {
  private final float[] invFreq;

  Rope(LlamaConfig c) {
    int dim = c.headDim();
    float[] f = new float[dim / 2];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0f * i) / dim));
    }
    this.invFreq = scaled(f, c.ropeScaling(), c.maxPositionEmbeddings());
  }

  private static float[] scaled(float[] f, JsonNode scaling, int maxPositions) {
    if (scaling == null || scaling.isNull() || scaling.isEmpty()) {
      return f;
    }
    String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
    double factor = scaling.path("factor").asDouble(1.0);
    switch (type) {
      case "default":
        return f;
      case "linear": {
        float[] out = new float[f.length];
        for (int i = 0; i < f.length; i++) {
          out[i] = (float) (f[i] / factor);
        }
        return out;
      }
      case "llama3": {
        double low = scaling.path("low_freq_factor").asDouble(1.0);
        double high = scaling.path("high_freq_factor").asDouble(4.0);
        double oldLen = scaling.path("original_max_position_embeddings").asDouble(8192);
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
      default:
        throw new TemperException("Model config: rope_scaling type '" + type
            + "' is not supported (Temper handles 'linear' and 'llama3')");
    }
  }

  /** cos (or sin) of position {@code p} for each of head_dim entries, HF layout. */
  void fill(int p, boolean sin, float[] out, int at) {
    int half = invFreq.length;
    for (int i = 0; i < half; i++) {
      float angle = (float) p * invFreq[i];
      float v = (float) (sin ? Math.sin(angle) : Math.cos(angle));
      out[at + i] = v;
      out[at + half + i] = v;
    }
  }

  int headDim() {
    return 2 * invFreq.length;
  }
}
