package ai.temper.engine.model;

import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a decoder, named as Hugging Face's config.json names it, for every family
 * Temper runs: Llama 1-3 (SmolLM2, TinyLlama), Mistral, Qwen2/2.5, Qwen3, SmolLM3, OLMo,
 * OLMo 2, Gemma 2, Gemma 3 (text) and Phi-3/4-mini. What differs between families is in
 * {@link #variant()}. Everything the model code needs comes from here. Both config layouts
 * are read: transformers 4's rope_theta / rope_scaling and transformers 5's rope_parameters.
 *
 * @param architecture   config.json's architectures[0] ("LlamaForCausalLM", ...)
 * @param vocabSize      vocab_size
 * @param hiddenSize     hidden_size (the model width, "dim")
 * @param intermediateSize intermediate_size (the SwiGLU hidden width)
 * @param numHiddenLayers num_hidden_layers
 * @param numAttentionHeads num_attention_heads
 * @param numKeyValueHeads num_key_value_heads (grouped-query attention when fewer than heads)
 * @param maxPositionEmbeddings max_position_embeddings
 * @param rmsNormEps     rms_norm_eps
 * @param ropeTheta      rope_theta
 * @param ropeScaling    rope_scaling as JSON (null when absent or "default"): "linear",
 *                       "dynamic", "yarn", "llama3" and "longrope" types
 * @param tieWordEmbeddings tie_word_embeddings (lm_head shares embed_tokens)
 * @param attentionBias  q, k, v projections have biases (attention_bias; always for Qwen2);
 *                       whether o_proj has one too is {@link DecoderVariant#oProjBias()}
 * @param bosTokenId     bos_token_id (-1 when absent)
 * @param eosTokenId     eos_token_id, the first when it is a list (-1 when absent)
 * @param headDim        head_dim (usually hidden_size / num_attention_heads)
 * @param eosTokenIds    every eos_token_id (Llama 3 instruct models list several)
 * @param variant        what the family changes in the decoder
 */
public record LlamaConfig(
    String architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    JsonNode ropeScaling,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    int bosTokenId,
    int eosTokenId,
    int headDim,
    List<Integer> eosTokenIds,
    DecoderVariant variant) {

  public static final String LLAMA = "LlamaForCausalLM";
  public static final String QWEN2 = "Qwen2ForCausalLM";
  public static final String MISTRAL = "MistralForCausalLM";
  public static final String QWEN3 = "Qwen3ForCausalLM";
  public static final String SMOLLM3 = "SmolLM3ForCausalLM";
  public static final String OLMO = "OlmoForCausalLM";
  public static final String OLMO2 = "Olmo2ForCausalLM";
  public static final String GEMMA2 = "Gemma2ForCausalLM";
  public static final String GEMMA3 = "Gemma3ForCausalLM";
  public static final String PHI3 = "Phi3ForCausalLM";
  /** model_type of each architecture Temper runs. */
  private static final Map<String, String> MODEL_TYPES = new LinkedHashMap<>();

  static {
    MODEL_TYPES.put(LLAMA, "llama");
    MODEL_TYPES.put(MISTRAL, "mistral");
    MODEL_TYPES.put(QWEN2, "qwen2");
    MODEL_TYPES.put(QWEN3, "qwen3");
    MODEL_TYPES.put(SMOLLM3, "smollm3");
    MODEL_TYPES.put(OLMO, "olmo");
    MODEL_TYPES.put(OLMO2, "olmo2");
    MODEL_TYPES.put(GEMMA2, "gemma2");
    MODEL_TYPES.put(GEMMA3, "gemma3_text");
    MODEL_TYPES.put(PHI3, "phi3");
  }

  /**
   * config.json as transformers writes it: the fields Temper reads, under their names there
   * (anything else is ignored). Fields whose JSON type differs between families or releases
   * (a number or null, an id or a list, an object in either rope layout) stay JSON.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record ConfigFile(
      List<String> architectures,
      String modelType,
      Integer vocabSize,
      Integer hiddenSize,
      Integer intermediateSize,
      Integer numHiddenLayers,
      Integer numAttentionHeads,
      Integer numKeyValueHeads,
      Integer maxPositionEmbeddings,
      Integer headDim,
      Double rmsNormEps,
      Double ropeTheta,
      JsonNode ropeScaling,
      JsonNode ropeParameters,
      Double partialRotaryFactor,
      Integer originalMaxPositionEmbeddings,
      Double ropeLocalBaseFreq,
      Boolean tieWordEmbeddings,
      Boolean attentionBias,
      Boolean mlpBias,
      String hiddenAct,
      String hiddenActivation,
      JsonNode slidingWindow,
      Boolean useSlidingWindow,
      List<String> layerTypes,
      Integer slidingWindowPattern,
      Integer maxWindowLayers,
      List<Integer> noRopeLayers,
      Integer noRopeLayerInterval,
      JsonNode clipQkv,
      JsonNode attnLogitSoftcapping,
      JsonNode finalLogitSoftcapping,
      Double queryPreAttnScalar,
      JsonNode bosTokenId,
      JsonNode eosTokenId) {

    /**
     * Maps a parsed config.json. Numbers are checked on the JSON first, so "64" or 64.5 for
     * an integer field is refused by name rather than converted; other mismatches name their
     * field too.
     */
    static ConfigFile of(JsonNode n) {
      for (RecordComponent c : ConfigFile.class.getRecordComponents()) {
        String field = SNAKE.translate(c.getName());
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
          continue;
        }
        if (c.getType() == Integer.class && (!v.isIntegralNumber() || !v.canConvertToInt())) {
          throw new TemperException("field '" + field + "' is not an integer in range");
        }
        if (c.getType() == Double.class && !v.isNumber()) {
          throw new TemperException("field '" + field + "' is not a number");
        }
      }
      try {
        return Json.MAPPER.treeToValue(n, ConfigFile.class);
      } catch (JsonProcessingException e) {
        String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
            ? m.getPath().get(0).getFieldName() : null;
        throw new TemperException(field == null ? "not a model config: " + e.getOriginalMessage()
            : "field '" + field + "' has the wrong type", e);
      }
    }

    private static final PropertyNamingStrategies.NamingBase SNAKE =
        (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
  }

  public LlamaConfig {
    if (hiddenSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0 || vocabSize <= 0
        || intermediateSize <= 0) {
      throw new TemperException("Model config has non-positive sizes: hidden_size=" + hiddenSize
          + ", num_hidden_layers=" + numHiddenLayers + ", num_attention_heads="
          + numAttentionHeads + ", vocab_size=" + vocabSize + ", intermediate_size="
          + intermediateSize);
    }
    if (numKeyValueHeads <= 0 || numAttentionHeads % numKeyValueHeads != 0) {
      throw new TemperException("Model config: num_attention_heads (" + numAttentionHeads
          + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
    }
    if (headDim <= 0 || headDim % 2 != 0) {
      throw new TemperException("Model config: head_dim " + headDim + " must be positive and even");
    }
    // sizes beyond any model a desktop could hold are a broken or hostile config, refused
    // before anything is allocated from them
    atMost("hidden_size", hiddenSize, MAX_HIDDEN);
    atMost("intermediate_size", intermediateSize, MAX_INTERMEDIATE);
    atMost("num_hidden_layers", numHiddenLayers, MAX_LAYERS);
    atMost("num_attention_heads", numAttentionHeads, MAX_HEADS);
    atMost("vocab_size", vocabSize, MAX_VOCAB);
    atMost("head_dim", headDim, MAX_HEAD_DIM);
    if (maxPositionEmbeddings <= 0) {
      throw new TemperException("Model config: max_position_embeddings " + maxPositionEmbeddings
          + " must be positive");
    }
    atMost("max_position_embeddings", maxPositionEmbeddings, MAX_POSITIONS);
    if (!(rmsNormEps > 0 && rmsNormEps < 1)) {
      throw new TemperException("Model config: rms_norm_eps " + rmsNormEps
          + " must be in (0, 1)");
    }
    if (!(ropeTheta > 0 && Double.isFinite(ropeTheta))) {
      throw new TemperException("Model config: rope_theta " + ropeTheta
          + " must be positive and finite");
    }
    if (ropeScaling != null && (ropeScaling.isNull() || ropeScaling.isEmpty())) {
      ropeScaling = null;
    }
    eosTokenIds = eosTokenIds == null ? (eosTokenId >= 0 ? List.of(eosTokenId) : List.of())
        : List.copyOf(eosTokenIds);
    if (variant == null) {
      variant = DecoderVariant.llama(MODEL_TYPES.getOrDefault(architecture, "llama"),
          attentionBias && !architecture.equals(QWEN2));
    }
    for (List<Boolean> perLayer : List.of(variant.slidingLayers(), variant.ropeLayers())) {
      if (!perLayer.isEmpty() && perLayer.size() != numHiddenLayers) {
        throw new TemperException("Model config: a per-layer list has " + perLayer.size()
            + " entries but num_hidden_layers is " + numHiddenLayers
            + " (layer_types / no_rope_layers)");
      }
    }
    Rope.validate(ropeTheta, ropeScaling, headDim, rotaryDim(headDim, variant),
        maxPositionEmbeddings);
  }

  /** Limits far above any model Temper could run (a 10^9 hidden size is not a model). */
  static final int MAX_HIDDEN = 1 << 16;
  static final int MAX_INTERMEDIATE = 1 << 20;
  static final int MAX_LAYERS = 1024;
  static final int MAX_HEADS = 1024;
  static final int MAX_VOCAB = 1 << 22;
  static final int MAX_HEAD_DIM = 1024;
  static final int MAX_POSITIONS = 1 << 24;

  private static void atMost(String field, int value, int max) {
    if (value > max) {
      throw new TemperException("Model config: " + field + " " + value + " is beyond "
          + max + " (not a model Temper can run; the config is broken)");
    }
  }

  /** The pre-family shape (Llama or Qwen2; o_proj biased with a Llama's attention_bias). */
  public LlamaConfig(String architecture, int vocabSize, int hiddenSize, int intermediateSize,
      int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads,
      int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, JsonNode ropeScaling,
      boolean tieWordEmbeddings, boolean attentionBias, int bosTokenId, int eosTokenId,
      int headDim) {
    this(architecture, vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
        numAttentionHeads, numKeyValueHeads, maxPositionEmbeddings, rmsNormEps, ropeTheta,
        ropeScaling, tieWordEmbeddings, attentionBias, bosTokenId, eosTokenId, headDim, null,
        null);
  }

  /** A plain Llama of the given shape (head_dim = hidden / heads, theta 10000, eps 1e-5). */
  public static LlamaConfig llama(int vocab, int hidden, int intermediate, int layers, int heads,
      int kvHeads, int maxPositions, boolean tied) {
    return new LlamaConfig(LLAMA, vocab, hidden, intermediate, layers, heads, kvHeads,
        maxPositions, 1e-5, 10000.0, null, tied, false, 1, 2, hidden / heads);
  }

  /** The same config with other EOS ids (the first becomes eos_token_id). */
  public LlamaConfig withEosTokenIds(List<Integer> ids) {
    return new LlamaConfig(architecture, vocabSize, hiddenSize, intermediateSize,
        numHiddenLayers, numAttentionHeads, numKeyValueHeads, maxPositionEmbeddings, rmsNormEps,
        ropeTheta, ropeScaling, tieWordEmbeddings, attentionBias, bosTokenId,
        ids.isEmpty() ? -1 : ids.get(0), headDim, ids, variant);
  }

  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  public int queryDim() {
    return numAttentionHeads * headDim;
  }

  /** The leading part of each head that RoPE rotates (head_dim unless partial_rotary_factor). */
  public int rotaryDim() {
    return rotaryDim(headDim, variant);
  }

  private static int rotaryDim(int headDim, DecoderVariant v) {
    return v == null ? headDim : (int) (headDim * v.partialRotaryFactor());
  }

  /** The architectures Temper runs, for messages. */
  public static String supportedArchitectures() {
    return String.join(", ", MODEL_TYPES.keySet());
  }

  /** Reads config.json; unknown architectures and missing fields name the file. */
  public static LlamaConfig read(Path configJson) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(Files.readString(configJson));
    } catch (IOException e) {
      throw new TemperException(configJson + ": cannot read model config: "
          + FileErrors.reason(e), e);
    }
    if (n == null || !n.isObject()) {
      throw new TemperException(configJson + ": not a JSON object");
    }
    return fromJson(n, configJson.toString());
  }

  /**
   * Reads a parsed config.json; {@code where} names its origin in error messages. A feature
   * Temper does not compute is an error naming its field, never silently ignored.
   */
  public static LlamaConfig fromJson(JsonNode n, String where) {
    ConfigFile c;
    try {
      c = ConfigFile.of(n);
    } catch (TemperException e) {
      throw new TemperException(where + ": " + e.getMessage(), e);
    }
    String arch = c.architectures() == null || c.architectures().isEmpty() ? null
        : c.architectures().get(0);
    String type = c.modelType() == null ? "" : c.modelType();
    if (arch == null) {
      for (Map.Entry<String, String> e : MODEL_TYPES.entrySet()) {
        if (e.getValue().equals(type)) {
          arch = e.getKey();
        }
      }
    }
    if (arch == null || !MODEL_TYPES.containsKey(arch)) {
      String hint = "Gemma3ForConditionalGeneration".equals(arch)
          ? " (the text-only Gemma3ForCausalLM checkpoints run; this one has a vision tower)"
          : "";
      throw new TemperException(where + ": unsupported architecture '"
          + (arch == null ? type : arch) + "' (Temper runs " + supportedArchitectures() + ")"
          + hint);
    }
    try {
      return parse(c, arch, where);
    } catch (TemperException e) {
      String m = e.getMessage();
      throw new TemperException(m.startsWith(where) ? m : where + ": " + m, e);
    }
  }

  private static LlamaConfig parse(ConfigFile c, String arch, String where) {
    int hidden = required(c.hiddenSize(), "hidden_size", where);
    int heads = required(c.numAttentionHeads(), "num_attention_heads", where);
    if (heads <= 0) {
      throw new TemperException("field 'num_attention_heads' must be positive, got " + heads);
    }
    int layers = required(c.numHiddenLayers(), "num_hidden_layers", where);
    String modelType = MODEL_TYPES.get(arch);
    boolean gemma = arch.equals(GEMMA2) || arch.equals(GEMMA3);
    boolean bias = or(c.attentionBias(), false);
    if (or(c.mlpBias(), false)) {
      throw unsupported("mlp_bias", "true");
    }
    // rope: transformers 5 keeps theta and scaling in rope_parameters (per layer type for
    // models that mix them); transformers 4 in rope_theta and rope_scaling
    double theta;
    JsonNode scaling;
    double localTheta = 0;
    double partial = or(c.partialRotaryFactor(), 1.0);
    JsonNode rp = c.ropeParameters();
    if (rp != null && rp.isObject()) {
      JsonNode global = rp;
      JsonNode local = null;
      if (rp.has("full_attention") || rp.has("sliding_attention")) {
        global = rp.path("full_attention");
        local = rp.get("sliding_attention");
        if (!global.isObject()) {
          global = local;
        }
      }
      theta = global.path("rope_theta").asDouble(or(c.ropeTheta(), 10000.0));
      partial = global.path("partial_rotary_factor").asDouble(partial);
      scaling = scalingOf(global);
      if (local != null && local != global) {
        if (scalingOf(local) != null) {
          throw unsupported("rope_parameters.sliding_attention.rope_type",
              local.path("rope_type").asText());
        }
        double lt = local.path("rope_theta").asDouble(theta);
        localTheta = lt == theta && scaling == null ? 0 : lt;
      }
    } else {
      theta = or(c.ropeTheta(), 10000.0);
      scaling = scalingOf(c.ropeScaling());
      if (arch.equals(GEMMA3)) {
        double lt = or(c.ropeLocalBaseFreq(), 10000.0);
        localTheta = lt == theta && scaling == null ? 0 : lt;
      }
    }
    if (scaling != null && c.originalMaxPositionEmbeddings() != null
        && !scaling.has("original_max_position_embeddings")
        && "longrope".equals(ropeType(scaling))) {
      // Phi-3 keeps it beside max_position_embeddings; longrope needs it
      scaling = ((ObjectNode) scaling.deepCopy()).put("original_max_position_embeddings",
          c.originalMaxPositionEmbeddings());
    }
    String act = c.hiddenActivation() != null ? c.hiddenActivation()
        : or(c.hiddenAct(), gemma ? "gelu_pytorch_tanh" : "silu");
    DecoderVariant.Activation activation = switch (act) {
      case "silu", "swish" -> DecoderVariant.Activation.SILU;
      case "gelu_pytorch_tanh", "gelu_new" -> DecoderVariant.Activation.GELU_TANH;
      default -> throw unsupported(c.hiddenActivation() != null ? "hidden_activation"
          : "hidden_act", act);
    };
    // sliding windows: which layers (layer_types, or each family's rule) and how wide
    JsonNode sw = c.slidingWindow();
    int window = sw != null && sw.isNumber() ? sw.asInt() : gemma && sw == null ? 4096 : 0;
    if (arch.equals(LLAMA) || arch.equals(OLMO) || arch.equals(OLMO2)) {
      window = 0; // these decoders have no sliding-window attention
    }
    List<Boolean> sliding = new ArrayList<>();
    boolean qwenLike = arch.equals(QWEN2) || arch.equals(QWEN3) || arch.equals(SMOLLM3);
    if (qwenLike && !or(c.useSlidingWindow(), false)) {
      window = 0; // Qwen configs name a window that is off unless use_sliding_window
    }
    if (c.layerTypes() != null) {
      for (String t : c.layerTypes()) {
        switch (String.valueOf(t)) {
          case "full_attention" -> sliding.add(false);
          case "sliding_attention" -> sliding.add(true);
          default -> throw unsupported("layer_types", t);
        }
      }
    } else if (window > 0) {
      int pattern = arch.equals(GEMMA2) ? 2 : arch.equals(GEMMA3)
          ? or(c.slidingWindowPattern(), 6) : 0;
      int fullBelow = qwenLike ? or(c.maxWindowLayers(), layers) : 0;
      for (int l = 0; l < layers; l++) {
        sliding.add(pattern > 0 ? (l + 1) % pattern != 0 : l >= fullBelow);
      }
    }
    if (!sliding.contains(true)) {
      window = 0;
    }
    if (window == 0) {
      sliding.clear();
    }
    List<Boolean> rope = new ArrayList<>();
    if (arch.equals(SMOLLM3)) {
      List<Integer> noRope = c.noRopeLayers();
      int interval = or(c.noRopeLayerInterval(), 4);
      for (int l = 0; l < layers; l++) {
        rope.add(noRope != null ? l >= noRope.size() || noRope.get(l) == null
            || noRope.get(l) != 0 : (l + 1) % interval != 0);
      }
      if (!rope.contains(false)) {
        rope.clear();
      }
    }
    double clip = c.clipQkv() != null && c.clipQkv().isNumber() ? c.clipQkv().asDouble() : 0;
    DecoderVariant.Norm norm = gemma ? DecoderVariant.Norm.RMS_ONE_PLUS
        : arch.equals(OLMO) ? DecoderVariant.Norm.LAYER_NORM : DecoderVariant.Norm.RMS;
    DecoderVariant.Layout layout = gemma ? DecoderVariant.Layout.SANDWICH
        : arch.equals(OLMO2) ? DecoderVariant.Layout.POST : DecoderVariant.Layout.PRE;
    DecoderVariant.QkNorm qk = arch.equals(QWEN3) || arch.equals(GEMMA3)
        ? DecoderVariant.QkNorm.PER_HEAD
        : arch.equals(OLMO2) ? DecoderVariant.QkNorm.FULL : DecoderVariant.QkNorm.NONE;
    double attnCap = softcap(c.attnLogitSoftcapping(), arch.equals(GEMMA2) ? 50.0 : 0);
    double finalCap = softcap(c.finalLogitSoftcapping(), arch.equals(GEMMA2) ? 30.0 : 0);
    double qScalar = gemma ? or(c.queryPreAttnScalar(), 256.0) : 0;
    boolean phi = arch.equals(PHI3);
    if (phi && bias) {
      throw unsupported("attention_bias", "true");
    }
    DecoderVariant variant = new DecoderVariant(modelType, norm, layout, qk,
        bias && !arch.equals(QWEN2), phi, phi, gemma, activation, attnCap, finalCap,
        qScalar, window, sliding, rope, localTheta, partial, clip);
    boolean tiedByDefault = gemma || arch.equals(SMOLLM3);
    List<Integer> eos = ids(c.eosTokenId());
    return new LlamaConfig(
        arch,
        required(c.vocabSize(), "vocab_size", where),
        hidden,
        required(c.intermediateSize(), "intermediate_size", where),
        layers,
        heads,
        or(c.numKeyValueHeads(), heads),
        or(c.maxPositionEmbeddings(), 2048),
        arch.equals(OLMO) ? 1e-5 : or(c.rmsNormEps(), 1e-6),
        theta,
        scaling,
        or(c.tieWordEmbeddings(), tiedByDefault),
        arch.equals(QWEN2) || bias,
        firstInt(c.bosTokenId(), -1),
        eos.isEmpty() ? -1 : eos.get(0),
        or(c.headDim(), hidden / heads),
        eos,
        variant);
  }

  private static <T> T or(T value, T dflt) {
    return value != null ? value : dflt;
  }

  /** A rope_scaling / rope_parameters object as scaling (null for the plain default RoPE). */
  private static JsonNode scalingOf(JsonNode s) {
    if (s == null || !s.isObject()) {
      return null;
    }
    String t = ropeType(s);
    if (t.equals("default")) {
      return null;
    }
    ObjectNode copy = s.deepCopy();
    if (!copy.has("rope_type")) {
      copy.put("rope_type", t); // transformers' old name "type"
      copy.remove("type");
    }
    copy.remove("rope_theta");
    copy.remove("partial_rotary_factor");
    return copy;
  }

  static String ropeType(JsonNode s) {
    return s.path("rope_type").asText(s.path("type").asText("default"));
  }

  /** A softcap: absent is the family's default, null (or not a number) none. */
  private static double softcap(JsonNode v, double dflt) {
    if (v == null) {
      return dflt;
    }
    return v.isNumber() ? v.asDouble() : 0;
  }

  private static TemperException unsupported(String field, String value) {
    return new TemperException("field '" + field + "' = " + value + " is not supported");
  }

  private static List<Integer> ids(JsonNode v) {
    List<Integer> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v.isArray()) {
      v.forEach(x -> {
        if (x.canConvertToInt()) {
          out.add(x.asInt());
        }
      });
    } else if (v.isNumber()) {
      out.add(v.asInt());
    }
    return out;
  }

  private static int firstInt(JsonNode v, int dflt) {
    if (v == null) {
      return dflt;
    }
    if (v.isArray()) {
      return v.size() == 0 ? dflt : v.get(0).asInt(dflt);
    }
    return v.isNumber() ? v.asInt() : dflt;
  }

  private static int required(Integer v, String field, String where) {
    if (v == null) {
      throw new TemperException(where + ": field '" + field + "' is missing or not an integer"
          + " in range");
    }
    return v;
  }

  /**
   * The config.json transformers reads for this model (transformers 4's layout, which
   * transformers 5 also reads): every field that changes the computation is written.
   */
  public ObjectNode toJson() {
    DecoderVariant v = variant;
    ObjectNode n = Json.object();
    n.putArray("architectures").add(architecture);
    n.put("model_type", v.modelType());
    n.put("vocab_size", vocabSize);
    n.put("hidden_size", hiddenSize);
    n.put("intermediate_size", intermediateSize);
    n.put("num_hidden_layers", numHiddenLayers);
    n.put("num_attention_heads", numAttentionHeads);
    n.put("num_key_value_heads", numKeyValueHeads);
    n.put("head_dim", headDim);
    n.put("max_position_embeddings", maxPositionEmbeddings);
    n.put("rms_norm_eps", rmsNormEps);
    n.put("rope_theta", ropeTheta);
    if (ropeScaling != null) {
      n.set("rope_scaling", ropeScaling);
      if (ropeScaling.has("original_max_position_embeddings") && architecture.equals(PHI3)) {
        n.put("original_max_position_embeddings",
            ropeScaling.get("original_max_position_embeddings").asInt());
      }
    } else {
      n.putNull("rope_scaling");
    }
    n.put("tie_word_embeddings", tieWordEmbeddings);
    if (!architecture.equals(QWEN2)) {
      n.put("attention_bias", attentionBias);
    }
    if (architecture.equals(LLAMA)) {
      n.put("mlp_bias", false);
    }
    if (v.partialRotaryFactor() != 1.0) {
      n.put("partial_rotary_factor", v.partialRotaryFactor());
    }
    n.put(v.scaleEmbeddings() ? "hidden_activation" : "hidden_act", v.activation().hfName());
    if (v.scaleEmbeddings()) {
      n.put("query_pre_attn_scalar", v.queryPreAttnScalar());
      putCap(n, "attn_logit_softcapping", v.attnSoftcap());
      putCap(n, "final_logit_softcapping", v.finalSoftcap());
    }
    if (architecture.equals(GEMMA3)) {
      n.put("rope_local_base_freq", v.localRopeTheta() == 0 ? ropeTheta : v.localRopeTheta());
    }
    if (v.clipQkv() > 0) {
      n.put("clip_qkv", v.clipQkv());
    }
    if (v.slidingWindow() > 0) {
      n.put("sliding_window", v.slidingWindow());
      if (architecture.equals(QWEN2) || architecture.equals(QWEN3)
          || architecture.equals(SMOLLM3)) {
        n.put("use_sliding_window", true);
      }
      var types = n.putArray("layer_types");
      for (int l = 0; l < numHiddenLayers; l++) {
        types.add(v.isSliding(l) ? "sliding_attention" : "full_attention");
      }
      // the same for transformers before layer_types: each family's older rule
      if (architecture.equals(GEMMA3)) {
        for (int pattern = 1; pattern <= numHiddenLayers + 1; pattern++) {
          boolean fits = true;
          for (int l = 0; l < numHiddenLayers; l++) {
            fits &= v.isSliding(l) == ((l + 1) % pattern != 0);
          }
          if (fits) {
            n.put("sliding_window_pattern", pattern);
            break;
          }
        }
      } else if (n.has("use_sliding_window")) {
        int first = 0;
        while (first < numHiddenLayers && !v.isSliding(first)) {
          first++;
        }
        n.put("max_window_layers", first);
      }
    } else if (architecture.equals(GEMMA2) || architecture.equals(GEMMA3)
        || architecture.equals(MISTRAL) || architecture.equals(PHI3)) {
      n.putNull("sliding_window");
    }
    if (architecture.equals(SMOLLM3)) {
      var noRope = n.putArray("no_rope_layers");
      for (int l = 0; l < numHiddenLayers; l++) {
        noRope.add(v.usesRope(l) ? 1 : 0);
      }
    }
    if (bosTokenId >= 0) {
      n.put("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() > 1) {
      var a = n.putArray("eos_token_id");
      eosTokenIds.forEach(a::add);
    } else if (eosTokenId >= 0) {
      n.put("eos_token_id", eosTokenId);
    }
    n.put("torch_dtype", "float32");
    return n;
  }

  private static void putCap(ObjectNode n, String field, double cap) {
    if (cap > 0) {
      n.put(field, cap);
    } else {
      n.putNull(field);
    }
  }

  /** Parameter count (embeddings included, a tied head counted once). */
  public long parameterCount() {
    long total = 0;
    for (long[] shape : LlamaModel.parameterShapes(this).values()) {
      long p = 1;
      for (long s : shape) {
        p *= s;
      }
      total += p;
    }
    return total;
  }
}
