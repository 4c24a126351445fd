package ai.temper.engine.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import org.junit.jupiter.api.Test;

class ScratchModelTest {
  @Test
  void presetsHaveTheStoriesShapes() {
    assertThat(ModelPreset.TINY.config(512, 1, 2).parameterCount()).isEqualTo(260_032L);
    assertThat(ModelPreset.SMALL.config(32000, 1, 2).parameterCount())
        .isBetween(15_000_000L, 15_300_000L);
    assertThat(ModelPreset.MEDIUM.config(32000, 1, 2).parameterCount())
        .isBetween(41_000_000L, 42_500_000L);
    assertThat(ModelPreset.parse("Tiny")).isEqualTo(ModelPreset.TINY);
    assertThat(ModelPreset.TINY.describe()).contains("260.0K parameters at vocab 512");
  }

  @Test
  void initialisesLikeHuggingFaceLlama() {
    LlamaConfig c = ModelPreset.TINY.config(512, 1, 2);
    StateDict sd = ScratchModel.initialise(c, 42, JobContext.none());
    long total = sd.asMap().values().stream().mapToLong(Tensor::numel).sum();
    assertThat(total).isEqualTo(c.parameterCount());
    assertThat(sd.contains("lm_head.weight")).isFalse(); // tied
    sd.require("model.layers.4.self_attn.k_proj.weight", "t", 32, 64);
    sd.require("model.layers.0.mlp.down_proj.weight", "t", 64, 172);

    float[] norm = sd.get("model.layers.2.post_attention_layernorm.weight").data();
    for (float v : norm) {
      assertThat(v).isEqualTo(1f);
    }
    float[] emb = sd.get("model.embed_tokens.weight").data();
    double mean = 0;
    double sq = 0;
    for (float v : emb) {
      mean += v;
      sq += v * v;
    }
    mean /= emb.length;
    double std = Math.sqrt(sq / emb.length - mean * mean);
    assertThat(mean).isCloseTo(0, within(0.001));
    assertThat(std).isCloseTo(0.02, within(0.0005));

    // reproducible from the seed, different for another seed
    assertThat(ScratchModel.initialise(c, 42, JobContext.none())
        .get("model.layers.1.self_attn.q_proj.weight").data())
        .isEqualTo(sd.get("model.layers.1.self_attn.q_proj.weight").data());
    assertThat(ScratchModel.initialise(c, 43, JobContext.none())
        .get("model.layers.1.self_attn.q_proj.weight").data())
        .isNotEqualTo(sd.get("model.layers.1.self_attn.q_proj.weight").data());
  }

  @Test
  void anUntiedConfigGetsItsOwnHeadAndBiases() {
    LlamaConfig c = new LlamaConfig(LlamaConfig.QWEN2, 100, 32, 64, 2, 4, 2, 128, 1e-6, 1e6,
        null, false, true, 1, 2, 8);
    StateDict sd = ScratchModel.initialise(c, 1, JobContext.none());
    long total = sd.asMap().values().stream().mapToLong(Tensor::numel).sum();
    assertThat(total).isEqualTo(c.parameterCount());
    assertThat(sd.contains("lm_head.weight")).isTrue();
    assertThat(sd.get("model.layers.1.self_attn.v_proj.bias").data()).containsOnly(0f);
  }
}
