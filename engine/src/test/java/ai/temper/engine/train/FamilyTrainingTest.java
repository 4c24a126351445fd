package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import ai.temper.engine.Workbench;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.families.Families;
import ai.temper.engine.model.families.Families.Family;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.Llama2cTokenizerConverter;
import ai.temper.engine.model.hf.SafetensorsFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each family LoRA-trains through the real trainer (SFT on the sample chats, the stories260K
 * tokenizer) and saves a checkpoint that reads back as the same architecture, computes what
 * the independent reference computes on the saved weights, and keeps the source's EOS ids
 * and generation_config.json.
 */
class FamilyTrainingTest {
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path home;
  static Workbench wb;

  @BeforeAll
  static void setUp() {
    assumeTrue(Files.exists(TOK), "../shared/models/stories260K/tok512.bin is absent: skipping");
    TrainFixtures.oneThread();
    wb = Workbench.open(home.resolve("wb"));
  }

  @AfterAll
  static void tearDown() {
    if (wb != null) {
      wb.close();
    }
  }

  static List<Family> families() {
    return Families.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void loraTrainsSavesAndTheCheckpointReadsBack(Family f) throws Exception {
    Path src = home.resolve("models").resolve(f.name());
    // Gemma and Qwen3 publish bfloat16 weights: those folders store theirs so
    boolean bf16 = f.name().startsWith("gemma") || f.name().equals("qwen3");
    var config = f.config().deepCopy().put("torch_dtype", bf16 ? "bfloat16" : "float32");
    Families.writeFolder(src, config, 11, bf16 ? DType.BF16 : DType.F32);
    Llama2cTokenizerConverter.convert(TOK).writeTo(src);
    Files.writeString(src.resolve("generation_config.json"), "{\"bos_token_id\": 1, "
        + "\"eos_token_id\": [2, 5, 7], \"temperature\": 0.6}");
    {
      TrainConfig c = TrainConfig.defaults(TrainKind.SFT).withSets(List.of(
          "model_name_or_path=" + src, "output_dir=" + home.resolve("runs/" + f.name()), "dataset_mixer_list=" + TrainFixtures.CHAT + ",8",
          "max_seq_length=48", "learning_rate=1e-2", "max_train_steps=2", "warmup_ratio=0",
          "per_device_train_batch_size=2", "use_lora=true", "lora_rank=2", "lora_alpha=4",
          "lora_dropout=0", "lora_target_modules=q_proj,k_proj,v_proj,o_proj,gate_proj,"
              + "up_proj,down_proj", "eval_fraction=0", "save_steps=0",
          "save_only_model=" + bf16));
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> loss = TrainFixtures.series(wb, r.runId(), "loss");
      assertThat(loss).as(f + " loss").isNotEmpty().allMatch(Double::isFinite);
      Path ckpt = r.checkpoint();
      Map<String, Tensor> adapter = SafetensorsFile.readAll(
          ckpt.resolve("adapter/adapter_model.safetensors"));
      boolean fused = f.config().get("model_type").asText().equals("phi3");
      // every linear module of every layer, fused ones once
      int modules = fused ? 4 : 7;
      assertThat(adapter).as(f + " adapters").hasSize(
          2 * modules * f.config().get("num_hidden_layers").asInt());
      assertThat(adapter.keySet()).anyMatch(k -> k.contains(fused ? "qkv_proj" : "q_proj"));
      assertThat(adapter.entrySet()).filteredOn(e -> e.getKey().contains("lora_B"))
          .as(f + ": B moved from zero").anyMatch(e -> maxAbs(e.getValue().data()) > 0);

      // saved in the source's dtype: the same bytes per weight as the source
      long srcBytes = Files.size(src.resolve("model.safetensors"));
      long savedBytes = Files.size(ckpt.resolve("model.safetensors"));
      assertThat((double) savedBytes).as(f + " checkpoint size (source " + srcBytes + ")")
          .isCloseTo(srcBytes, org.assertj.core.api.Assertions.withinPercentage(5));
      assertThat(HfCheckpoint.storedDtype(ckpt)).isEqualTo(bf16 ? DType.BF16 : DType.F32);
      // optimizer state beside the weights unless save_only_model
      assertThat(Files.exists(ckpt.resolve(CheckpointIO.OPTIMIZER))).isEqualTo(!bf16);
      HfCheckpoint.Contents back = HfCheckpoint.readContents(ckpt);
      LlamaConfig source = LlamaConfig.fromJson(f.config(), f.name());
      assertThat(back.config()).as(f + " config read back").isEqualTo(source);
      JsonNode cfg = JSON.readTree(Files.readString(ckpt.resolve("config.json")));
      JsonNode gen = JSON.readTree(Files.readString(ckpt.resolve("generation_config.json")));
      assertThat(gen.get("eos_token_id").toString()).isEqualTo("[2,5,7]");
      assertThat(gen.get("temperature").asDouble()).isEqualTo(0.6);
      assertThat(cfg.get("eos_token_id").toString())
          .isEqualTo(f.config().get("eos_token_id").toString());

      int[] ids = {1, 17, 99, 300, 42, 7};
      Map<String, Tensor> saved = back.weights().asMap();
      double[][] ref = Families.referenceLogits(cfg, saved, ids);
      try (LlamaModel model = LlamaModel.create(back.config(), back.weights());
          NDManager m = Devices.newManager()) {
        float[] flat = model.forward(m.create(ids, new ai.djl.ndarray.types.Shape(1, 6)), null)
            .toFloatArray();
        int v = back.config().vocabSize();
        double worst = 0;
        double scale = 1;
        for (int t = 0; t < ids.length; t++) {
          for (int i = 0; i < v; i++) {
            worst = Math.max(worst, Math.abs(flat[t * v + i] - ref[t][i]));
            scale = Math.max(scale, Math.abs(ref[t][i]));
          }
        }
        assertThat(worst).as(f + ": the saved folder computes the family's maths")
            .isLessThan(2e-4 * scale);
      }
    }
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }
}
