package ai.temper.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {

  @Test
  void readsStories260KIntoHuggingFaceNames() {
    Stories260K.assumePresent();
    Checkpoint c = Llama2cCheckpoint.read(Stories260K.MODEL);
    LlamaConfig cfg = c.config();
    assertThat(cfg.hiddenSize()).isEqualTo(64);
    assertThat(cfg.intermediateSize()).isEqualTo(172);
    assertThat(cfg.numHiddenLayers()).isEqualTo(5);
    assertThat(cfg.numAttentionHeads()).isEqualTo(8);
    assertThat(cfg.numKeyValueHeads()).isEqualTo(4);
    assertThat(cfg.vocabSize()).isEqualTo(512);
    assertThat(cfg.maxPositionEmbeddings()).isEqualTo(512);
    assertThat(cfg.tieWordEmbeddings()).isTrue();
    assertThat(c.weights().asMap()).containsOnlyKeys(LlamaModel.parameterShapes(cfg).keySet());
    assertThat(c.weights().get("model.layers.4.self_attn.k_proj.weight").shape())
        .containsExactly(32, 64);
  }

  @Test
  void permutesQueryRowsFromPairsToHalves() {
    // one head of dim 4, one column: llama2.c rows (x0 y0 x1 y1) become HF (x0 x1 y0 y1)
    Tensor w = new Tensor(new long[] {4, 1}, new float[] {10, 11, 20, 21});
    assertThat(Llama2cCheckpoint.pairsToHalves(w, 1, 4).data())
        .containsExactly(10, 20, 11, 21);
  }

  @Test
  void truncatedFileNamesTheFileAndSizes(@TempDir Path dir) throws Exception {
    Stories260K.assumePresent();
    byte[] all = Files.readAllBytes(Stories260K.MODEL);
    Path cut = dir.resolve("cut.bin");
    Files.write(cut, Arrays.copyOf(all, all.length / 2));
    assertThatThrownBy(() -> Llama2cCheckpoint.read(cut)).isInstanceOf(TemperException.class)
        .hasMessageContaining(cut.toString()).hasMessageContaining("truncated");
  }

  @Test
  void garbageHeaderIsRefused(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("junk.bin");
    Files.writeString(f, "this is certainly not a llama2.c model file, just text");
    assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).isInstanceOf(TemperException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("implausible header");
    Path tiny = dir.resolve("tiny.bin");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> Llama2cCheckpoint.read(tiny)).isInstanceOf(TemperException.class)
        .hasMessageContaining("28-byte header");
  }

  @Test
  void newerExportVersionsAreNamed(@TempDir Path dir) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x616b3432).putInt(2);
    Path f = dir.resolve("v2.bin");
    Files.write(f, b.array());
    assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).isInstanceOf(TemperException.class)
        .hasMessageContaining("version 2");
  }
}
