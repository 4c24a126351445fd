package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.model.LinearAdapter;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.families.Families;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.SafetensorsFile;
import ai.temper.engine.model.hf.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saving a LoRA model of 16-bit weights: each merged weight W + (alpha / r) B A is computed in
 * blocks of whole rows as it is written, equal value for value to the whole-array merge, and
 * the file written from the blocks is the file the whole arrays give.
 */
class MergedSaveTest {
  @TempDir Path tmp;

  @BeforeAll
  static void threads() {
    TorchRuntime.configure(1);
  }

  @Test
  void mergedWeightsStreamInBlocksOfRowsAndEqualTheWholeMerge() throws Exception {
    Path dir = tmp.resolve("bf16");
    Families.writeFolder(dir, Families.llama32().config(), 3, DType.BF16);
    HfCheckpoint.Contents c = HfCheckpoint.readContents(dir, true);
    try (TrainableModel tm = new TrainableModel(LlamaModel.create(c.config(), c.weights()))) {
      assertThat(tm.model().halfWeights()).isTrue();
      tm.addLora(List.of("q_proj", "down_proj"), 4, 8, 0, 1);
      TrainFixtures.randomLoraB(tm); // B starts at zero: the merge would change nothing
      StateDict merged = tm.mergedStateDict();
      int adapted = 0;
      int blocked = 0;
      for (var e : tm.model().parameters().entrySet()) {
        String name = e.getKey();
        float[] want = LlamaModel.floats(e.getValue());
        LinearAdapter a = tm.model().adapters().get(name);
        if (a != null) {
          adapted++;
          try (NDArray delta = a.weightDelta()) {
            float[] d = delta.toFloatArray();
            for (int i = 0; i < want.length; i++) {
              want[i] += d[i];
            }
          }
        }
        Tensor t = merged.get(name);
        long[] shape = t.shape();
        long cols = shape.length < 2 ? 1 : shape[1];
        long max = 3 * cols + 1; // three rows a block
        float[] got = new float[want.length];
        int[] at = {0};
        int[] blocks = {0};
        t.stream(max, block -> {
          assertThat((long) block.length).as(name + " block").isLessThanOrEqualTo(max);
          assertThat(block.length % cols).as(name + ": whole rows").isZero();
          System.arraycopy(block, 0, got, at[0], block.length);
          at[0] += block.length;
          blocks[0]++;
        });
        blocked += blocks[0] > 1 ? 1 : 0;
        assertThat(got).as(name).containsExactly(want);
        assertThat(t.data()).as(name + " as one array").containsExactly(want);
      }
      assertThat(adapted).isEqualTo(2 * c.config().numHiddenLayers());
      assertThat(blocked).as("matrices came in several blocks").isGreaterThan(adapted);
      assertThat(tm.model().parameter("model.layers.0.mlp.down_proj.weight").getDataType())
          .as("the base stays in 16 bits").isEqualTo(DataType.FLOAT16);

      // the file written from the computed tensors is the file their values give
      Path streamed = tmp.resolve("streamed.safetensors");
      Path whole = tmp.resolve("whole.safetensors");
      SafetensorsWriter.write(streamed, merged.asMap(), DType.BF16);
      Map<String, Tensor> copies = new java.util.LinkedHashMap<>();
      merged.asMap().forEach((k, v) -> copies.put(k, new Tensor(v.shape(), v.data())));
      SafetensorsWriter.write(whole, copies, DType.BF16);
      assertThat(Files.readAllBytes(streamed)).isEqualTo(Files.readAllBytes(whole));
      assertThat(SafetensorsFile.readAll(streamed)).hasSameSizeAs(copies);
    }
  }
}
