package ai.temper.engine.model.families;

import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.SafetensorsWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The published config.json of each family's small models, shrunk in width and depth with
 * every feature kept (and windows, clips and caps tightened so that they matter at 12
 * positions), and folders of random weights written from them.
 */
public final class Families {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The stories260K tokenizer's size, so that the folders can train with it. */
  public static final int VOCAB = 512;

  private Families() {}

  /** A family's name and its config.json (transformers 4 layout). */
  public record Family(String name, ObjectNode config) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static ObjectNode base(String arch, String type) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add(arch);
    n.put("model_type", type);
    n.put("vocab_size", VOCAB);
    n.put("hidden_size", 32);
    n.put("intermediate_size", 48);
    n.put("num_hidden_layers", 2);
    n.put("num_attention_heads", 4);
    n.put("num_key_value_heads", 2);
    n.put("max_position_embeddings", 64);
    n.put("rms_norm_eps", 1e-6);
    n.put("bos_token_id", 1);
    n.put("eos_token_id", 2);
    n.put("torch_dtype", "float32");
    return n;
  }

  /** Llama 3.2 1B: tied head, llama3 RoPE scaling, theta 500000, three EOS ids. */
  public static Family llama32() {
    ObjectNode n = base("LlamaForCausalLM", "llama");
    n.put("hidden_act", "silu");
    n.put("rope_theta", 500000.0);
    n.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0)
        .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
        .put("original_max_position_embeddings", 8192);
    n.put("tie_word_embeddings", true);
    n.put("attention_bias", false);
    n.put("mlp_bias", false);
    n.putArray("eos_token_id").add(2).add(5).add(7);
    return new Family("llama3.2", n);
  }

  /** A Llama with attention_bias: q, k, v and o_proj biased. */
  public static Family llamaBias() {
    ObjectNode n = base("LlamaForCausalLM", "llama");
    n.put("attention_bias", true);
    n.put("tie_word_embeddings", false);
    return new Family("llama-attention-bias", n);
  }

  /** Mistral 7B v0.1: sliding-window attention on every layer. */
  public static Family mistral() {
    ObjectNode n = base("MistralForCausalLM", "mistral");
    n.put("sliding_window", 4);
    n.put("rope_theta", 10000.0);
    n.put("tie_word_embeddings", false);
    return new Family("mistral", n);
  }

  /** Qwen2.5 0.5B: q/k/v bias, tied, a window named but off (use_sliding_window false). */
  public static Family qwen25() {
    ObjectNode n = base("Qwen2ForCausalLM", "qwen2");
    n.put("rope_theta", 1000000.0);
    n.put("tie_word_embeddings", true);
    n.put("use_sliding_window", false);
    n.put("sliding_window", 4);
    n.put("max_window_layers", 1);
    return new Family("qwen2.5", n);
  }

  /** Qwen3 0.6B: q/k RMSNorm per head, head_dim beyond hidden/heads; yarn as documented. */
  public static Family qwen3() {
    ObjectNode n = base("Qwen3ForCausalLM", "qwen3");
    n.put("head_dim", 16);
    n.put("rope_theta", 1000000.0);
    n.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0)
        .put("original_max_position_embeddings", 16);
    n.put("tie_word_embeddings", true);
    n.put("attention_bias", false);
    n.put("use_sliding_window", false);
    return new Family("qwen3", n);
  }

  /** SmolLM3 3B: every fourth layer without RoPE. */
  public static Family smollm3() {
    ObjectNode n = base("SmolLM3ForCausalLM", "smollm3");
    n.put("num_hidden_layers", 4);
    n.put("rope_theta", 5000000.0);
    n.putArray("no_rope_layers").add(1).add(1).add(1).add(0);
    n.put("tie_word_embeddings", true);
    n.put("use_sliding_window", false);
    return new Family("smollm3", n);
  }

  /** OLMo 1B/7B-0424: LayerNorm without weights, clip_qkv (tightened). */
  public static Family olmo() {
    ObjectNode n = base("OlmoForCausalLM", "olmo");
    n.put("clip_qkv", 0.5);
    n.put("tie_word_embeddings", true);
    n.put("attention_bias", false);
    return new Family("olmo", n);
  }

  /** OLMo 2: norms after attention and MLP, q/k RMSNorm over the whole projection. */
  public static Family olmo2() {
    ObjectNode n = base("Olmo2ForCausalLM", "olmo2");
    n.put("rope_theta", 500000.0);
    n.put("tie_word_embeddings", false);
    n.put("attention_bias", false);
    return new Family("olmo2", n);
  }

  /** Gemma 2 2B: (1+w) norms around each block, scaled embeddings, gelu, soft-capping. */
  public static Family gemma2() {
    ObjectNode n = base("Gemma2ForCausalLM", "gemma2");
    n.put("num_hidden_layers", 3);
    n.put("head_dim", 16);
    n.put("hidden_activation", "gelu_pytorch_tanh");
    n.put("query_pre_attn_scalar", 24);
    n.put("attn_logit_softcapping", 2.0);
    n.put("final_logit_softcapping", 3.0);
    n.put("sliding_window", 4);
    n.put("rope_theta", 10000.0);
    n.put("tie_word_embeddings", true);
    return new Family("gemma2", n);
  }

  /** Gemma 3 1B/4B text: + q/k norm, local RoPE base on sliding layers, global scaling. */
  public static Family gemma3() {
    ObjectNode n = base("Gemma3ForCausalLM", "gemma3_text");
    n.put("num_hidden_layers", 3);
    n.put("head_dim", 16);
    n.put("hidden_activation", "gelu_pytorch_tanh");
    n.put("query_pre_attn_scalar", 16);
    n.putNull("attn_logit_softcapping");
    n.putNull("final_logit_softcapping");
    n.put("sliding_window", 4);
    n.put("sliding_window_pattern", 3);
    n.put("rope_theta", 1000000.0);
    n.put("rope_local_base_freq", 10000.0);
    n.putObject("rope_scaling").put("rope_type", "linear").put("factor", 8.0);
    n.put("tie_word_embeddings", true);
    return new Family("gemma3", n);
  }

  /** Phi-4-mini: fused projections, partial RoPE (0.75), longrope, tied. */
  public static Family phi4mini() {
    ObjectNode n = base("Phi3ForCausalLM", "phi3");
    n.put("partial_rotary_factor", 0.75);
    n.put("rope_theta", 10000.0);
    n.put("original_max_position_embeddings", 16);
    ObjectNode s = n.putObject("rope_scaling").put("type", "longrope");
    s.putArray("short_factor").add(1.0).add(1.5).add(3.0);
    s.putArray("long_factor").add(1.0).add(4.0).add(16.0);
    n.put("sliding_window", 262144);
    n.put("tie_word_embeddings", true);
    n.put("hidden_act", "silu");
    return new Family("phi4-mini", n);
  }

  /** Phi-3-mini-4k: fused projections, full RoPE, a sliding window (tightened). */
  public static Family phi3mini() {
    ObjectNode n = base("Phi3ForCausalLM", "phi3");
    n.put("rope_theta", 10000.0);
    n.put("sliding_window", 6);
    n.putNull("rope_scaling");
    n.put("tie_word_embeddings", false);
    return new Family("phi3-mini", n);
  }

  public static List<Family> all() {
    return List.of(llama32(), llamaBias(), mistral(), qwen25(), qwen3(), smollm3(), olmo(),
        olmo2(), gemma2(), gemma3(), phi4mini(), phi3mini());
  }

  /**
   * Random weights for the tensors transformers' model of {@code config} has (std 0.2 so that
   * clipping, capping and windows matter; RMSNorm gains near 1, Gemma's near 0).
   */
  public static Map<String, Tensor> randomWeights(JsonNode config, long seed) {
    ReferenceDecoder shapes = new ReferenceDecoder(config, Map.of());
    boolean gemma = config.get("model_type").asText().startsWith("gemma");
    Random r = new Random(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : shapes.shapes().entrySet()) {
      int[] s = e.getValue();
      long[] shape = new long[s.length];
      int n = 1;
      for (int i = 0; i < s.length; i++) {
        shape[i] = s[i];
        n *= s[i];
      }
      boolean norm = e.getKey().endsWith("norm.weight");
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        float g = (float) r.nextGaussian();
        v[i] = norm ? (gemma ? 0.1f * g : 1f + 0.1f * g) : 0.2f * g;
      }
      out.put(e.getKey(), new Tensor(shape, v));
    }
    return out;
  }

  /** Writes config.json and model.safetensors (float32) of {@code f} into {@code dir}. */
  public static Map<String, Tensor> writeFolder(Path dir, JsonNode config, long seed) {
    return writeFolder(dir, config, seed, DType.F32);
  }

  /**
   * The same with weights stored as {@code dtype}; returns the weights as stored (rounded to
   * bfloat16 or float16 and widened back).
   */
  public static Map<String, Tensor> writeFolder(Path dir, JsonNode config, long seed,
      DType dtype) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    randomWeights(config, seed).forEach((k, v) -> w.put(k, rounded(v, dtype)));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), w, dtype);
    return w;
  }

  private static Tensor rounded(Tensor t, DType dtype) {
    float[] v = t.data().clone();
    for (int i = 0; i < v.length; i++) {
      v[i] = switch (dtype) {
        case BF16 -> DType.bf16ToFloat(DType.floatToBf16(v[i]));
        case F16 -> DType.halfToFloat(DType.floatToHalf(v[i]));
        default -> v[i];
      };
    }
    return new Tensor(t.shape(), v);
  }

  static Map<String, float[]> arrays(Map<String, Tensor> w) {
    Map<String, float[]> m = new LinkedHashMap<>();
    w.forEach((k, v) -> m.put(k, v.data()));
    return m;
  }

  /** The reference forward of a folder's config and weights. */
  public static double[][] referenceLogits(JsonNode config, Map<String, Tensor> w, int[] ids) {
    return new ReferenceDecoder(config, arrays(w)).logits(ids);
  }

  /** The reference's greedy continuation. */
  public static int[] referenceGreedy(JsonNode config, Map<String, Tensor> w, int[] prompt,
      int total) {
    return new ReferenceDecoder(config, arrays(w)).greedy(prompt, total);
  }
}
