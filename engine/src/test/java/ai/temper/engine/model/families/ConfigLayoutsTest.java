package ai.temper.engine.model.families;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.families.Families.Family;
import ai.temper.engine.model.hf.HfCheckpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The silent errors the families work fixed, each pinned: transformers 5's rope_parameters
 * layout, Llama's o_proj bias, every EOS id and the source's generation_config.json kept; and
 * a feature Temper does not compute is an error naming its field.
 */
class ConfigLayoutsTest {
  @TempDir Path tmp;

  @BeforeAll
  static void threads() {
    TorchRuntime.configure(1);
  }

  /** The same config in transformers 5's layout: theta and scaling in rope_parameters. */
  static ObjectNode toTransformers5(Family f) {
    ObjectNode n = f.config().deepCopy();
    JsonNode scaling = n.remove("rope_scaling");
    JsonNode theta = n.remove("rope_theta");
    ObjectNode global = scaling != null && scaling.isObject() ? ((ObjectNode) scaling).deepCopy()
        : Families.JSON.createObjectNode().put("rope_type", "default");
    if (global.has("type")) {
      global.put("rope_type", global.remove("type").asText());
    }
    global.put("rope_theta", theta == null ? 10000.0 : theta.asDouble());
    if (n.has("partial_rotary_factor")) {
      global.put("partial_rotary_factor", n.remove("partial_rotary_factor").asDouble());
    }
    JsonNode local = n.remove("rope_local_base_freq");
    if (local != null) { // Gemma 3: one RoPE per layer type, and the layer types listed
      ObjectNode per = n.putObject("rope_parameters");
      per.set("full_attention", global);
      per.putObject("sliding_attention").put("rope_type", "default")
          .put("rope_theta", local.asDouble());
      var types = n.putArray("layer_types");
      int pattern = n.remove("sliding_window_pattern").asInt();
      for (int l = 0; l < n.get("num_hidden_layers").asInt(); l++) {
        types.add((l + 1) % pattern != 0 ? "sliding_attention" : "full_attention");
      }
    } else {
      n.set("rope_parameters", global);
    }
    return n;
  }

  @Test
  void transformers5ConfigsGiveTheOutputsOfTheirTransformers4Twins() throws Exception {
    for (Family f : List.of(Families.llama32(), Families.qwen3(), Families.gemma3(),
        Families.phi4mini())) {
      ObjectNode t5 = toTransformers5(f);
      assertThat(t5.has("rope_theta")).isFalse();
      LlamaConfig c4 = LlamaConfig.fromJson(f.config(), f.name());
      LlamaConfig c5 = LlamaConfig.fromJson(t5, f.name() + " (transformers 5)");
      assertThat(c5).as(f.name()).isEqualTo(c4);
      Map<String, Tensor> w = Families.randomWeights(f.config(), 5);
      double[][] ref = Families.referenceLogits(f.config(), w, FamilyModelsTest.PROMPT);
      Path dir = tmp.resolve(f.name());
      Families.writeFolder(dir, t5, 5);
      HfCheckpoint.Contents back = HfCheckpoint.readContents(dir);
      try (LlamaModel model = LlamaModel.create(back.config(), back.weights());
          NDManager m = Devices.newManager()) {
        float[][] got = FamilyModelsTest.forward(model, FamilyModelsTest.PROMPT, m);
        for (int t = 0; t < got.length; t++) {
          FamilyModelsTest.assertClose(f + " (transformers 5 layout) position " + t, got[t],
              ref[t]);
        }
      }
    }
    LlamaConfig llama = LlamaConfig.fromJson(toTransformers5(Families.llama32()), "t5");
    assertThat(llama.ropeTheta()).isEqualTo(500000.0);
    assertThat(llama.ropeScaling().get("rope_type").asText()).isEqualTo("llama3");
    assertThat(llama.ropeScaling().has("rope_theta")).isFalse();
  }

  @Test
  void llamaAttentionBiasAppliesTheOutputProjectionBias() {
    Family f = Families.llamaBias();
    LlamaConfig c = LlamaConfig.fromJson(f.config(), f.name());
    assertThat(c.variant().oProjBias()).isTrue();
    assertThat(LlamaModel.parameterShapes(c)).containsKey("model.layers.0.self_attn.o_proj.bias");
    Map<String, Tensor> w = Families.randomWeights(f.config(), 9);
    StateDict sd = new StateDict();
    w.forEach(sd::put);
    StateDict zeroed = new StateDict();
    w.forEach((k, v) -> zeroed.put(k, k.endsWith("o_proj.bias")
        ? new Tensor(v.shape(), new float[v.data().length]) : v));
    double[][] ref = Families.referenceLogits(f.config(), w, FamilyModelsTest.PROMPT);
    try (LlamaModel model = LlamaModel.create(c, sd);
        LlamaModel without = LlamaModel.create(c, zeroed);
        NDManager m = Devices.newManager()) {
      float[][] got = FamilyModelsTest.forward(model, FamilyModelsTest.PROMPT, m);
      float[][] none = FamilyModelsTest.forward(without, FamilyModelsTest.PROMPT, m);
      double moved = 0;
      for (int t = 0; t < got.length; t++) {
        FamilyModelsTest.assertClose("position " + t, got[t], ref[t]);
        for (int i = 0; i < got[t].length; i++) {
          moved = Math.max(moved, Math.abs(got[t][i] - none[t][i]));
        }
      }
      assertThat(moved).as("the o_proj bias changes the logits").isGreaterThan(0.05);
      // the fast decoder adds it too
      assertThat(model.fastDecodes(8)).isTrue();
      try (var s = model.newSession(1, 8)) {
        float[] last = s.prefill(new int[][] {FamilyModelsTest.PROMPT}, null, m, false)
            .toFloatArray();
        FamilyModelsTest.assertClose("fast decoder", last, ref[ref.length - 1]);
      }
    }
  }

  @Test
  void everyEosIdAndTheSourceGenerationConfigAreSaved() throws Exception {
    Family f = Families.llama32();
    Path dir = tmp.resolve("src");
    Families.writeFolder(dir, f.config(), 1);
    Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, "
        + "\"eos_token_id\": [2, 5, 7], \"do_sample\": true, \"temperature\": 0.6, "
        + "\"top_p\": 0.9}");
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir);
    assertThat(c.config().eosTokenIds()).containsExactly(2, 5, 7);
    assertThat(c.config().eosTokenId()).isEqualTo(2);
    Path out = tmp.resolve("saved");
    HfCheckpoint.write(out, c.config(), c.weights(), null, null, c.generationConfig());
    JsonNode cfg = Families.JSON.readTree(Files.readString(out.resolve("config.json")));
    assertThat(cfg.get("eos_token_id").toString()).isEqualTo("[2,5,7]");
    JsonNode gen = Families.JSON.readTree(
        Files.readString(out.resolve("generation_config.json")));
    assertThat(gen.get("eos_token_id").toString()).isEqualTo("[2,5,7]");
    assertThat(gen.get("temperature").asDouble()).isEqualTo(0.6);
    assertThat(gen.get("top_p").asDouble()).isEqualTo(0.9);
    // without a source generation config, every EOS id of the config still goes in
    Path bare = tmp.resolve("bare");
    HfCheckpoint.write(bare, c.config(), c.weights(), null, null, null);
    JsonNode gen2 = Families.JSON.readTree(
        Files.readString(bare.resolve("generation_config.json")));
    assertThat(gen2.get("eos_token_id").toString()).isEqualTo("[2,5,7]");
    assertThat(HfCheckpoint.readContents(bare).config().eosTokenIds()).containsExactly(2, 5, 7);
  }

  @Test
  void unsupportedFeaturesAreErrorsNamingTheirField() {
    ObjectNode mlpBias = Families.llamaBias().config().put("mlp_bias", true);
    assertThatThrownBy(() -> LlamaConfig.fromJson(mlpBias, "cfg"))
        .isInstanceOf(TemperException.class).hasMessageContaining("cfg")
        .hasMessageContaining("'mlp_bias'");
    ObjectNode relu = Families.mistral().config().put("hidden_act", "relu");
    assertThatThrownBy(() -> LlamaConfig.fromJson(relu, "cfg"))
        .hasMessageContaining("'hidden_act'").hasMessageContaining("relu");
    ObjectNode rope = Families.llama32().config();
    ((ObjectNode) rope.get("rope_scaling")).put("rope_type", "mrope");
    assertThatThrownBy(() -> LlamaConfig.fromJson(rope, "cfg"))
        .hasMessageContaining("rope_scaling.rope_type").hasMessageContaining("mrope");
    ObjectNode t5 = toTransformers5(Families.qwen3());
    ((ObjectNode) t5.get("rope_parameters")).put("rope_type", "mrope");
    assertThatThrownBy(() -> LlamaConfig.fromJson(t5, "cfg")).hasMessageContaining("mrope");
    ObjectNode types = Families.gemma2().config();
    types.putArray("layer_types").add("sliding_attention").add("chunked_attention")
        .add("full_attention");
    assertThatThrownBy(() -> LlamaConfig.fromJson(types, "cfg"))
        .hasMessageContaining("'layer_types'").hasMessageContaining("chunked_attention");
    ObjectNode vision = Families.gemma3().config();
    vision.putArray("architectures").add("Gemma3ForConditionalGeneration");
    vision.put("model_type", "gemma3");
    assertThatThrownBy(() -> LlamaConfig.fromJson(vision, "cfg"))
        .hasMessageContaining("Gemma3ForConditionalGeneration")
        .hasMessageContaining("Gemma3ForCausalLM");
  }

  @Test
  void longropeSwitchesToItsLongFactorsPastTheOriginalLength() {
    Family f = Families.phi4mini();
    LlamaConfig c = LlamaConfig.fromJson(f.config(), f.name());
    Map<String, Tensor> w = Families.randomWeights(f.config(), 2);
    StateDict sd = new StateDict();
    w.forEach(sd::put);
    int[] ids = new int[20]; // original_max_position_embeddings is 16
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + 23 * i;
    }
    double[][] ref = Families.referenceLogits(f.config(), w, ids);
    try (LlamaModel model = LlamaModel.create(c, sd);
        NDManager m = Devices.newManager()) {
      float[][] got = FamilyModelsTest.forward(model, ids, m);
      for (int t = 0; t < ids.length; t++) {
        FamilyModelsTest.assertClose("position " + t, got[t], ref[t]);
      }
      float[][] shortOnly = FamilyModelsTest.forward(model, java.util.Arrays.copyOf(ids, 16), m);
      double moved = 0;
      for (int i = 0; i < shortOnly[15].length; i++) {
        moved = Math.max(moved, Math.abs(shortOnly[15][i] - got[15][i]));
      }
      assertThat(moved).as("a 20-token pass rotates with the long factors").isGreaterThan(1e-3);
    }
  }
}
