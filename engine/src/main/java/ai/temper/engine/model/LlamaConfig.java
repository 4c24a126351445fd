package ai.temper.engine.model;

import ai.temper.engine.FileErrors;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a Llama-family decoder, named as Hugging Face's config.json names it
 * (LlamaForCausalLM, Qwen2ForCausalLM). Everything the model code needs comes from here.
 *
 * @param architecture   "LlamaForCausalLM" or "Qwen2ForCausalLM"
 * @param vocabSize      vocab_size
 * @param hiddenSize     hidden_size (the model width, "dim")
 * @param intermediateSize intermediate_size (the SwiGLU hidden width)
 * @param numHiddenLayers num_hidden_layers
 * @param numAttentionHeads num_attention_heads
 * @param numKeyValueHeads num_key_value_heads (grouped-query attention when fewer than heads)
 * @param maxPositionEmbeddings max_position_embeddings
 * @param rmsNormEps     rms_norm_eps
 * @param ropeTheta      rope_theta
 * @param ropeScaling    rope_scaling as JSON (null when absent): "linear" and "llama3" types
 * @param tieWordEmbeddings tie_word_embeddings (lm_head shares embed_tokens)
 * @param attentionBias  attention_bias / Qwen2's q,k,v bias
 * @param bosTokenId     bos_token_id (-1 when absent)
 * @param eosTokenId     eos_token_id (-1 when absent)
 * @param headDim        head_dim (usually hidden_size / num_attention_heads)
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
    int headDim) {

  public static final String LLAMA = "LlamaForCausalLM";
  public static final String QWEN2 = "Qwen2ForCausalLM";
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** A plain Llama of the given shape (head_dim = hidden / heads, theta 10000, eps 1e-5). */
  public static LlamaConfig llama(int vocab, int hidden, int intermediate, int layers, int heads,
      int kvHeads, int maxPositions, boolean tied) {
    return new LlamaConfig(LLAMA, vocab, hidden, intermediate, layers, heads, kvHeads,
        maxPositions, 1e-5, 10000.0, null, tied, false, 1, 2, hidden / heads);
  }

  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  public int queryDim() {
    return numAttentionHeads * headDim;
  }

  /** Reads config.json; unknown architectures and missing fields name the file. */
  public static LlamaConfig read(Path configJson) {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readString(configJson));
    } catch (IOException e) {
      throw new TemperException(configJson + ": cannot read model config: " + FileErrors.reason(e), e);
    }
    if (n == null || !n.isObject()) {
      throw new TemperException(configJson + ": not a JSON object");
    }
    return fromJson(n, configJson.toString());
  }

  /** Reads a parsed config.json; {@code where} names its origin in error messages. */
  public static LlamaConfig fromJson(JsonNode n, String where) {
    String arch = n.path("architectures").path(0).asText(null);
    String type = n.path("model_type").asText("");
    if (arch == null) {
      arch = switch (type) {
        case "llama" -> LLAMA;
        case "qwen2" -> QWEN2;
        default -> null;
      };
    }
    if (arch == null || !(arch.equals(LLAMA) || arch.equals(QWEN2)
        || arch.equals("MistralForCausalLM"))) {
      throw new TemperException(where + ": unsupported architecture '"
          + (arch == null ? type : arch) + "' (Temper runs LlamaForCausalLM and "
          + "Qwen2ForCausalLM checkpoints)");
    }
    int hidden = required(n, "hidden_size", where);
    int heads = required(n, "num_attention_heads", where);
    boolean qwen = arch.equals(QWEN2);
    if (heads <= 0) {
      throw new TemperException(where + ": field 'num_attention_heads' must be positive, got "
          + heads);
    }
    try {
      return build(n, arch, hidden, heads, qwen, where);
    } catch (TemperException e) {
      throw new TemperException(where + ": " + e.getMessage(), e);
    }
  }

  private static LlamaConfig build(JsonNode n, String arch, int hidden, int heads,
      boolean qwen, String where) {
    return new LlamaConfig(
        arch.equals("MistralForCausalLM") ? LLAMA : arch,
        required(n, "vocab_size", where),
        hidden,
        required(n, "intermediate_size", where),
        required(n, "num_hidden_layers", where),
        heads,
        optionalInt(n, "num_key_value_heads", heads, where),
        optionalInt(n, "max_position_embeddings", 2048, where),
        optionalDouble(n, "rms_norm_eps", 1e-6, where),
        optionalDouble(n, "rope_theta", 10000.0, where),
        n.hasNonNull("rope_scaling") ? n.get("rope_scaling") : null,
        n.path("tie_word_embeddings").asBoolean(!qwen && false),
        qwen || n.path("attention_bias").asBoolean(false),
        firstInt(n.path("bos_token_id"), -1),
        firstInt(n.path("eos_token_id"), -1),
        optionalInt(n, "head_dim", hidden / heads, where));
  }

  private static int optionalInt(JsonNode n, String field, int dflt, String where) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new TemperException("field '" + field + "' is not an integer in range ("
          + (v.isNumber() ? v.asText() : v.getNodeType().toString().toLowerCase()) + ")");
    }
    return v.asInt();
  }

  private static double optionalDouble(JsonNode n, String field, double dflt, String where) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new TemperException("field '" + field + "' is not a number");
    }
    return v.asDouble();
  }

  private static int firstInt(JsonNode v, int dflt) {
    if (v.isArray()) {
      return v.size() == 0 ? dflt : v.get(0).asInt(dflt);
    }
    return v.isNumber() ? v.asInt() : dflt;
  }

  private static int required(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new TemperException(where + ": field '" + field + "' is missing or not an integer"
          + " in range");
    }
    return v.asInt();
  }

  /** The config.json Hugging Face transformers reads for this shape. */
  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add(architecture);
    n.put("model_type", architecture.equals(QWEN2) ? "qwen2" : "llama");
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
    } else {
      n.putNull("rope_scaling");
    }
    n.put("tie_word_embeddings", tieWordEmbeddings);
    if (!architecture.equals(QWEN2)) {
      n.put("attention_bias", attentionBias);
      n.put("mlp_bias", false);
    }
    n.put("hidden_act", "silu");
    if (bosTokenId >= 0) {
      n.put("bos_token_id", bosTokenId);
    }
    if (eosTokenId >= 0) {
      n.put("eos_token_id", eosTokenId);
    }
    n.put("torch_dtype", "float32");
    return n;
  }

  /** Parameter count (embeddings included, a tied head counted once). */
  public long parameterCount() {
    long d = hiddenSize;
    long perLayer = d * queryDim() + 2 * d * kvDim() + (long) queryDim() * d
        + 3 * d * intermediateSize + 2 * d;
    if (attentionBias) {
      perLayer += queryDim() + 2L * kvDim();
    }
    long emb = (long) vocabSize * d;
    return emb + (tieWordEmbeddings ? 0 : emb) + numHiddenLayers * perLayer + d;
  }
}
