package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.Workbench;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.SafetensorsFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA trains only the adapters, and the merged export is W + (alpha / r) B A exactly. */
class LoraTrainingTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void onlyAdaptersChangeAndTheMergedExportIsBasePlusScaledProduct() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.SFT,
          "dataset_mixer_list=" + TrainFixtures.CHAT + ",20", "learning_rate=3e-3",
          "max_train_steps=3", "warmup_ratio=0", "per_device_train_batch_size=4",
          "use_lora=true", "lora_rank=4", "lora_alpha=8", "lora_dropout=0.1",
          "lora_target_modules=q_proj,v_proj,down_proj", "eval_fraction=0", "save_steps=0");
      TrainResult r = TrainFixtures.run(wb, c);
      System.out.println("lora loss " + TrainFixtures.series(wb, r.runId(), "loss"));
      Path ckpt = r.checkpoint();
      Map<String, Tensor> merged = SafetensorsFile.readAll(ckpt.resolve("model.safetensors"));
      Map<String, Tensor> adapter = SafetensorsFile.readAll(
          ckpt.resolve("adapter/adapter_model.safetensors"));
      JsonNode cfg = new ObjectMapper().readTree(
          Files.readString(ckpt.resolve("adapter/adapter_config.json")));
      assertThat(cfg.get("peft_type").asText()).isEqualTo("LORA");
      assertThat(cfg.get("r").asInt()).isEqualTo(4);
      assertThat(cfg.get("lora_alpha").asDouble()).isEqualTo(8.0);
      assertThat(cfg.get("target_modules").toString()).contains("q_proj", "v_proj", "down_proj");
      assertThat(adapter).hasSize(5 * 3 * 2);

      Checkpoint base = Llama2cCheckpoint.read(TrainFixtures.STORIES);
      double scale = 8.0 / 4;
      int adapted = 0;
      for (var e : base.weights().asMap().entrySet()) {
        String name = e.getKey();
        float[] w = e.getValue().data();
        float[] out = merged.get(name).data();
        String module = name.substring(0, name.length() - ".weight".length());
        Tensor a = adapter.get("base_model.model." + module + ".lora_A.weight");
        if (a == null) {
          assertThat(out).as(name + " is not adapted, so it must not change").isEqualTo(w);
          continue;
        }
        adapted++;
        Tensor b = adapter.get("base_model.model." + module + ".lora_B.weight");
        int rank = (int) a.shape()[0];
        int in = (int) a.shape()[1];
        int outDim = (int) b.shape()[0];
        double maxDelta = 0;
        for (int i = 0; i < outDim; i++) {
          for (int j = 0; j < in; j++) {
            double d = 0;
            for (int k = 0; k < rank; k++) {
              d += b.data()[i * rank + k] * a.data()[k * in + j];
            }
            maxDelta = Math.max(maxDelta, Math.abs(d));
            assertThat((double) out[i * in + j]).as(name)
                .isCloseTo(w[i * in + j] + scale * d, within(1e-6));
          }
        }
        assertThat(maxDelta).as(name + ": B moved away from zero").isGreaterThan(1e-5);
      }
      assertThat(adapted).isEqualTo(15);
    }
  }
}
