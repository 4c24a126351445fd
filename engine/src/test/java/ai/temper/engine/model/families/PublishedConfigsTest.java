package ai.temper.engine.model.families;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.DecoderVariant;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.models.MemoryEstimate;
import org.junit.jupiter.api.Test;

/**
 * Published config.json files of the small models people bring (the fields that shape the
 * model, as their Hub repositories list them) read into the right variant, with the tensor
 * shapes adding up to the parameter counts those models publish.
 */
class PublishedConfigsTest {
  static LlamaConfig read(String json) throws Exception {
    return LlamaConfig.fromJson(Families.JSON.readTree(json), "config.json");
  }

  @Test
  void qwen25HalfBillion() throws Exception {
    LlamaConfig c = read("{\"architectures\":[\"Qwen2ForCausalLM\"],\"model_type\":\"qwen2\","
        + "\"hidden_size\":896,\"intermediate_size\":4864,\"num_hidden_layers\":24,"
        + "\"num_attention_heads\":14,\"num_key_value_heads\":2,\"vocab_size\":151936,"
        + "\"max_position_embeddings\":32768,\"max_window_layers\":21,\"rms_norm_eps\":1e-06,"
        + "\"rope_theta\":1000000.0,\"sliding_window\":32768,\"tie_word_embeddings\":true,"
        + "\"use_sliding_window\":false,\"bos_token_id\":151643,\"eos_token_id\":151643}");
    assertThat(c.parameterCount()).isEqualTo(494_032_768L);
    assertThat(c.variant().hasSlidingLayers()).isFalse();
    assertThat(c.variant().fastDecodable()).isTrue();
    MemoryEstimate f32 = MemoryEstimate.fp32(c);
    assertThat(f32.chatBytes()).as("float32: the fast decoder's folded copy")
        .isGreaterThan(2 * f32.weightBytes());
    // as stored (bfloat16), against temper bench memory's figures (README): chat 1.68 GB
    MemoryEstimate bf16 = MemoryEstimate.of(c, DType.BF16);
    assertThat(bf16.weightBytes()).isEqualTo(2 * c.parameterCount());
    assertThat(bf16.chatBytes()).isBetween(1_500_000_000L, 2_500_000_000L);
    // LoRA 4 x 512 with gradient checkpointing measured 3.04 GB
    assertThat(bf16.loraBytes()).isBetween(2_700_000_000L, 3_400_000_000L);
    assertThat(bf16.loraBytes()).isLessThan(bf16.loraPlainBytes());
    // without: 4- and 8-layer cuts of the shape measured 5.02 and 8.97 GB, i.e. 24.7 GB at 24
    assertThat(bf16.loraPlainBytes()).isBetween(23_000_000_000L, 27_000_000_000L);
    assertThat(bf16.fullBytes()).isGreaterThan(16 * c.parameterCount());
    // a default (no checkpointing) LoRA run turns checkpointing on where it would not fit
    long gb = 1_000_000_000L;
    assertThat(bf16.loraNeedsCheckpointing(24 * gb)).as("24 GB machine").isTrue();
    assertThat(bf16.loraNeedsCheckpointing(64 * gb)).as("64 GB machine").isFalse();
    MemoryEstimate short1 = MemoryEstimate.of(c, DType.BF16, 1, 128);
    assertThat(short1.loraPlainBytes()).isLessThan(bf16.loraPlainBytes() / 4);
    assertThat(short1.loraNeedsCheckpointing(24 * gb)).as("1 x 128 on 24 GB").isFalse();
  }

  @Test
  void llama32OneBillionInTransformers5Layout() throws Exception {
    LlamaConfig c = read("{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\","
        + "\"hidden_size\":2048,\"intermediate_size\":8192,\"num_hidden_layers\":16,"
        + "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"head_dim\":64,"
        + "\"vocab_size\":128256,\"max_position_embeddings\":131072,\"rms_norm_eps\":1e-05,"
        + "\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0,"
        + "\"factor\":32.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
        + "\"original_max_position_embeddings\":8192},\"tie_word_embeddings\":true,"
        + "\"attention_bias\":false,\"mlp_bias\":false,\"hidden_act\":\"silu\","
        + "\"bos_token_id\":128000,\"eos_token_id\":[128001,128008,128009]}");
    assertThat(c.parameterCount()).isEqualTo(1_235_814_400L);
    assertThat(c.ropeTheta()).isEqualTo(500000.0);
    assertThat(c.ropeScaling().get("rope_type").asText()).isEqualTo("llama3");
    assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
    // LoRA 4 x 512 with gradient checkpointing measured 5.96 GB in temper bench memory
    MemoryEstimate bf16 = MemoryEstimate.of(c, DType.BF16);
    assertThat(bf16.loraBytes()).isBetween(5_400_000_000L, 6_600_000_000L);
  }

  @Test
  void qwen3SixHundredMillion() throws Exception {
    LlamaConfig c = read("{\"architectures\":[\"Qwen3ForCausalLM\"],\"model_type\":\"qwen3\","
        + "\"hidden_size\":1024,\"intermediate_size\":3072,\"num_hidden_layers\":28,"
        + "\"num_attention_heads\":16,\"num_key_value_heads\":8,\"head_dim\":128,"
        + "\"vocab_size\":151936,\"max_position_embeddings\":40960,\"rms_norm_eps\":1e-06,"
        + "\"rope_theta\":1000000,\"rope_scaling\":null,\"attention_bias\":false,"
        + "\"tie_word_embeddings\":true,\"use_sliding_window\":false,\"sliding_window\":null,"
        + "\"max_window_layers\":28,\"hidden_act\":\"silu\",\"bos_token_id\":151643,"
        + "\"eos_token_id\":151645}");
    assertThat(c.parameterCount()).isEqualTo(596_049_920L);
    assertThat(c.variant().qkNorm()).isEqualTo(DecoderVariant.QkNorm.PER_HEAD);
    assertThat(c.variant().fastDecodable()).isFalse();
  }

  @Test
  void gemma3OneBillion() throws Exception {
    LlamaConfig c = read("{\"architectures\":[\"Gemma3ForCausalLM\"],"
        + "\"model_type\":\"gemma3_text\",\"hidden_size\":1152,\"intermediate_size\":6912,"
        + "\"num_hidden_layers\":26,\"num_attention_heads\":4,\"num_key_value_heads\":1,"
        + "\"head_dim\":256,\"vocab_size\":262144,\"max_position_embeddings\":32768,"
        + "\"query_pre_attn_scalar\":256,\"rms_norm_eps\":1e-06,\"rope_theta\":1000000,"
        + "\"rope_local_base_freq\":10000,\"rope_scaling\":null,\"sliding_window\":512,"
        + "\"sliding_window_pattern\":6,\"final_logit_softcapping\":null,"
        + "\"attn_logit_softcapping\":null,\"hidden_activation\":\"gelu_pytorch_tanh\","
        + "\"bos_token_id\":2,\"eos_token_id\":[1,106]}");
    assertThat(c.parameterCount()).isEqualTo(999_885_952L);
    DecoderVariant v = c.variant();
    assertThat(v.isSliding(0)).isTrue();
    assertThat(v.isSliding(5)).isFalse();
    assertThat(v.isSliding(6)).isTrue();
    assertThat(v.localRopeTheta()).isEqualTo(10000.0);
    assertThat(v.attnSoftcap()).isZero();
    assertThat(c.tieWordEmbeddings()).isTrue();
  }

  @Test
  void phi4Mini() throws Exception {
    StringBuilder factors = new StringBuilder();
    for (int i = 0; i < 48; i++) {
      factors.append(i == 0 ? "" : ",").append(1.0 + i * 0.1);
    }
    LlamaConfig c = read("{\"architectures\":[\"Phi3ForCausalLM\"],\"model_type\":\"phi3\","
        + "\"hidden_size\":3072,\"intermediate_size\":8192,\"num_hidden_layers\":32,"
        + "\"num_attention_heads\":24,\"num_key_value_heads\":8,\"vocab_size\":200064,"
        + "\"max_position_embeddings\":131072,\"original_max_position_embeddings\":4096,"
        + "\"partial_rotary_factor\":0.75,\"rms_norm_eps\":1e-05,\"rope_theta\":10000.0,"
        + "\"rope_scaling\":{\"type\":\"longrope\",\"short_factor\":[" + factors
        + "],\"long_factor\":[" + factors + "]},\"sliding_window\":262144,"
        + "\"tie_word_embeddings\":true,\"hidden_act\":\"silu\",\"bos_token_id\":199999,"
        + "\"eos_token_id\":199999}");
    assertThat(c.parameterCount()).isEqualTo(3_836_021_760L);
    assertThat(c.rotaryDim()).isEqualTo(96);
    assertThat(c.variant().fusedQkv()).isTrue();
  }
}
