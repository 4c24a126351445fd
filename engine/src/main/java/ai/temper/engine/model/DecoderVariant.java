package ai.temper.engine.model;

import java.util.Collections;
import java.util.List;

/**
 * What makes one decoder family differ from Llama's, read from config.json. Every family
 * Temper runs is the same pre-norm-or-post-norm decoder: embedding, then per layer attention
 * and a gated MLP each added back to the residual stream, then a final norm and the head.
 * The variant says where the norms sit and what they compute, whether q and k are normed,
 * which projections are fused or biased, the activation, soft-capping, sliding-window layers,
 * layers without RoPE and the local RoPE base.
 *
 * @param modelType          config.json model_type ("llama", "qwen3", "gemma2", ...)
 * @param norm               what a norm computes
 * @param layout             where each layer's norms sit (and so their tensor names)
 * @param qkNorm             q_norm / k_norm on the projections
 * @param oProjBias          o_proj has a bias (Llama's attention_bias)
 * @param fusedQkv           one qkv_proj instead of q_proj, k_proj, v_proj (Phi-3)
 * @param fusedGateUp        one gate_up_proj, gate first (Phi-3)
 * @param scaleEmbeddings    embeddings times sqrt(hidden_size) (Gemma)
 * @param activation         hidden_act / hidden_activation of the MLP gate
 * @param attnSoftcap        attn_logit_softcapping (0: none): scores = cap * tanh(scores / cap)
 * @param finalSoftcap       final_logit_softcapping (0: none), on the logits
 * @param queryPreAttnScalar query_pre_attn_scalar (0: head_dim): scores scale by its -1/2 power
 * @param slidingWindow      sliding_window for the layers that use it (0: none)
 * @param slidingLayers      per layer: whether it attends within the window only
 * @param ropeLayers         per layer: whether it applies RoPE (SmolLM3's NoPE layers do not)
 * @param localRopeTheta     RoPE base of sliding-window layers (Gemma 3's rope_local_base_freq;
 *                           0: the global rope_theta and scaling)
 * @param partialRotaryFactor the share of head_dim that RoPE rotates (Phi-4-mini: 0.75)
 * @param clipQkv            OLMo's clip_qkv (0: none): q, k, v clamped to +-clip
 */
public record DecoderVariant(
    String modelType,
    Norm norm,
    Layout layout,
    QkNorm qkNorm,
    boolean oProjBias,
    boolean fusedQkv,
    boolean fusedGateUp,
    boolean scaleEmbeddings,
    Activation activation,
    double attnSoftcap,
    double finalSoftcap,
    double queryPreAttnScalar,
    int slidingWindow,
    List<Boolean> slidingLayers,
    List<Boolean> ropeLayers,
    double localRopeTheta,
    double partialRotaryFactor,
    double clipQkv) {

  /** What a norm computes. */
  public enum Norm {
    /** x / rms(x) * w. */
    RMS,
    /** x / rms(x) * (1 + w), Gemma's. */
    RMS_ONE_PLUS,
    /** (x - mean) / std, no weight or bias: OLMo's non-parametric LayerNorm. */
    LAYER_NORM
  }

  /** Where a layer's norms sit. */
  public enum Layout {
    /** input_layernorm before attention, post_attention_layernorm before the MLP (Llama). */
    PRE,
    /** post_attention_layernorm and post_feedforward_layernorm on the outputs (OLMo 2). */
    POST,
    /** input_, post_attention_, pre_feedforward_ and post_feedforward_layernorm (Gemma 2/3). */
    SANDWICH
  }

  /** Norms on the query and key projections, applied before RoPE. */
  public enum QkNorm {
    NONE,
    /** q_norm, k_norm of size head_dim, per head (Qwen3, Gemma 3). */
    PER_HEAD,
    /** q_norm over all query heads at once, k_norm over all key heads (OLMo 2). */
    FULL
  }

  /** The MLP's gate activation. */
  public enum Activation {
    SILU("silu"),
    /** gelu with the tanh approximation (gelu_pytorch_tanh). */
    GELU_TANH("gelu_pytorch_tanh");

    private final String hfName;

    Activation(String hfName) {
      this.hfName = hfName;
    }

    public String hfName() {
      return hfName;
    }
  }

  public DecoderVariant {
    slidingLayers = slidingLayers == null ? List.of() : List.copyOf(slidingLayers);
    ropeLayers = ropeLayers == null ? List.of() : List.copyOf(ropeLayers);
  }

  /** Llama's (and Mistral's, Qwen2's) decoder; {@code oProjBias} with attention_bias. */
  public static DecoderVariant llama(String modelType, boolean oProjBias) {
    return new DecoderVariant(modelType, Norm.RMS, Layout.PRE, QkNorm.NONE, oProjBias, false,
        false, false, Activation.SILU, 0, 0, 0, 0, Collections.emptyList(),
        Collections.emptyList(), 0, 1.0, 0);
  }

  /** Whether layer {@code l} attends within the sliding window only. */
  public boolean isSliding(int l) {
    return slidingWindow > 0 && (slidingLayers.isEmpty() || slidingLayers.get(l));
  }

  /** Whether layer {@code l} rotates q and k. */
  public boolean usesRope(int l) {
    return ropeLayers.isEmpty() || ropeLayers.get(l);
  }

  /** Whether any layer attends within a window. */
  public boolean hasSlidingLayers() {
    return slidingWindow > 0 && (slidingLayers.isEmpty() || slidingLayers.contains(true));
  }

  /** The HF names of layer {@code l}'s norm weights, by role (null where absent). */
  public String normBeforeAttention() {
    return norm == Norm.LAYER_NORM || layout == Layout.POST ? null : "input_layernorm";
  }

  public String normAfterAttention() {
    return layout == Layout.PRE ? null : "post_attention_layernorm";
  }

  public String normBeforeMlp() {
    return switch (layout) {
      case PRE -> norm == Norm.LAYER_NORM ? null : "post_attention_layernorm";
      case POST -> null;
      case SANDWICH -> "pre_feedforward_layernorm";
    };
  }

  public String normAfterMlp() {
    return layout == Layout.PRE ? null : "post_feedforward_layernorm";
  }

  /** Whether the layer has a norm before attention (with or without a weight). */
  public boolean normsInput() {
    return layout != Layout.POST;
  }

  /**
   * Whether the fast decoder ({@link FastWeights}) computes this variant exactly: RMS norms
   * before attention and MLP only (gains are folded), SiLU, no q/k norm, no soft-capping,
   * every layer rotating its whole head. Sliding windows are checked per session.
   */
  public boolean fastDecodable() {
    return (norm == Norm.RMS || norm == Norm.RMS_ONE_PLUS) && layout == Layout.PRE
        && qkNorm == QkNorm.NONE && activation == Activation.SILU && attnSoftcap == 0
        && !scaleEmbeddings
        && finalSoftcap == 0 && queryPreAttnScalar == 0 && !ropeLayers.contains(false)
        && localRopeTheta == 0 && partialRotaryFactor == 1.0 && clipQkv == 0;
  }
}
