package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
  @TempDir Path tmp;

  static StateDict random(LlamaConfig c) {
    Random r = new Random(3);
    StateDict w = new StateDict();
    for (Map.Entry<String, long[]> e : HfCheckpoint.expectedShapes(c).entrySet()) {
      long n = 1;
      for (long s : e.getValue()) {
        n *= s;
      }
      float[] d = new float[(int) n];
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) r.nextGaussian();
      }
      w.put(e.getKey(), new Tensor(e.getValue(), d));
    }
    return w;
  }

  @Test
  void reStoresAHuggingFaceDirectoryAsBfloat16() throws Exception {
    LlamaConfig c = LlamaConfig.llama(64, 16, 32, 1, 2, 1, 32, false);
    Path src = tmp.resolve("src");
    HfCheckpoint.write(src, c, random(c), null, null, null);
    Path dst = tmp.resolve("dst");
    CliRunner.Result r = CliRunner.run("--home", tmp.resolve("home").toString(), "convert",
        "--from", src.toString(), "--to", dst.toString(), "--dtype", "bf16");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo(dst.toString());
    try (SafetensorsFile f = SafetensorsFile.open(dst.resolve("model.safetensors"))) {
      assertThat(f.entry("lm_head.weight").dtype().name()).isEqualTo("BF16");
    }
    assertThat(tmp.resolve("home")).doesNotExist();
  }

  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path REF = Path.of("../shared/reference/stories260K-greedy-256.txt");
  static final Path REF_LILY =
      Path.of("../shared/reference/stories260K-greedy-256-lily-and-ben.txt");

  @Test
  void convertedStories260KGeneratesTheReferenceBytes() throws Exception {
    Assumptions.assumeTrue(Files.exists(MODEL) && Files.exists(REF),
        "needs ../shared/models/stories260K and ../shared/reference");
    String home = tmp.resolve("home").toString();
    Path dir = tmp.resolve("stories260K-hf");
    CliRunner.Result r = CliRunner.run("--home", home, "convert", "--from", MODEL.toString(),
        "--to", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    r = CliRunner.run("--home", home, "generate", "--model", dir.toString(),
        "--temperature", "0", "--max-length", "256");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(Files.readString(REF));
    r = CliRunner.run("--home", home, "generate", "--model", dir.toString(),
        "--temperature", "0", "--max-length", "256", "--prompt", "Lily and Ben");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(Files.readString(REF_LILY));
    assertThat(tmp.resolve("home")).doesNotExist();

    // converting again into the same place refuses, leaving the directory as it was
    r = CliRunner.run("--home", home, "convert", "--from", MODEL.toString(), "--to",
        dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("already exists");
  }

  @Test
  void badInputIsOneClearLine() throws Exception {
    String home = tmp.resolve("home").toString();
    CliRunner.Result r = CliRunner.run("--home", home, "convert", "--from",
        tmp.resolve("nope").toString(), "--to", tmp.resolve("out").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("nope").contains("no such file");

    Path pickleDir = Files.createDirectories(tmp.resolve("pickled"));
    Files.writeString(pickleDir.resolve("config.json"),
        LlamaConfig.llama(64, 16, 32, 1, 2, 1, 32, true).toJson().toString());
    Files.write(pickleDir.resolve("pytorch_model.bin"), new byte[] {'P', 'K', 3, 4, 0, 0});
    r = CliRunner.run("--home", home, "convert", "--from", pickleDir.toString(), "--to",
        tmp.resolve("out").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("pytorch_model.bin").contains("never unpickles")
        .doesNotContain("Exception");

    r = CliRunner.run("--home", home, "convert", "--from", pickleDir.toString(), "--to",
        tmp.resolve("out").toString(), "--dtype", "int4");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--dtype");
  }
}
