package ai.temper.engine.models;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import java.util.SplittableRandom;

/**
 * Fresh weights for a Llama, initialised as Hugging Face's LlamaPreTrainedModel does: every
 * linear and embedding weight drawn from N(0, 0.02^2), biases zero, RMSNorm gains one.
 */
public final class ScratchModel {
  /** Hugging Face's default initializer_range. */
  public static final double INIT_STD = 0.02;

  private ScratchModel() {}

  /** The HF-named weights of {@code config}, reproducible from {@code seed}. */
  public static StateDict initialise(LlamaConfig config, long seed, JobContext ctx) {
    SplittableRandom rng = new SplittableRandom(seed);
    StateDict sd = new StateDict();
    int d = config.hiddenSize();
    int q = config.queryDim();
    int kv = config.kvDim();
    int ff = config.intermediateSize();
    sd.put("model.embed_tokens.weight", normal(rng, config.vocabSize(), d));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      ctx.checkCancelled();
      ctx.progress((double) i / (config.numHiddenLayers() + 1), "initialising layer " + i);
      String p = "model.layers." + i + ".";
      sd.put(p + "input_layernorm.weight", ones(d));
      sd.put(p + "self_attn.q_proj.weight", normal(rng, q, d));
      sd.put(p + "self_attn.k_proj.weight", normal(rng, kv, d));
      sd.put(p + "self_attn.v_proj.weight", normal(rng, kv, d));
      if (config.attentionBias()) {
        sd.put(p + "self_attn.q_proj.bias", zeros(q));
        sd.put(p + "self_attn.k_proj.bias", zeros(kv));
        sd.put(p + "self_attn.v_proj.bias", zeros(kv));
      }
      sd.put(p + "self_attn.o_proj.weight", normal(rng, d, q));
      sd.put(p + "post_attention_layernorm.weight", ones(d));
      sd.put(p + "mlp.gate_proj.weight", normal(rng, ff, d));
      sd.put(p + "mlp.up_proj.weight", normal(rng, ff, d));
      sd.put(p + "mlp.down_proj.weight", normal(rng, d, ff));
    }
    sd.put("model.norm.weight", ones(d));
    if (!config.tieWordEmbeddings()) {
      sd.put("lm_head.weight", normal(rng, config.vocabSize(), d));
    }
    return sd;
  }

  private static Tensor normal(SplittableRandom rng, int rows, int cols) {
    float[] w = new float[Math.multiplyExact(rows, cols)];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rng.nextGaussian() * INIT_STD);
    }
    return new Tensor(new long[] {rows, cols}, w);
  }

  private static Tensor ones(int n) {
    float[] w = new float[n];
    java.util.Arrays.fill(w, 1f);
    return new Tensor(new long[] {n}, w);
  }

  private static Tensor zeros(int n) {
    return new Tensor(new long[] {n}, new float[n]);
  }
}
