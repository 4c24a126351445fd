package ai.temper.engine.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.models.ModelLibrary.ImportOptions;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model folders a hostile or unlucky user hands to `models import`. */
class HostileModelImportTest {
  static final LlamaConfig TINY = TestModels.TINY;
  static final String SECRET = "hunter2secretword";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  @TempDir Path disk;
  Workbench wb;
  ModelLibrary library;

  @BeforeEach
  void open() {
    wb = Workbench.open(home);
    library = new ModelLibrary(wb);
  }

  @AfterEach
  void close() {
    wb.close();
  }

  Path secretFile() throws IOException {
    Path s = disk.resolve("outside").resolve("secret.txt");
    Files.createDirectories(s.getParent());
    Files.writeString(s, SECRET + " is the password\n");
    return s;
  }

  /** A complete, valid HF folder of the tiny shape (real shapes for the named tensors). */
  Path folder(String name) throws IOException {
    Path dir = TestModels.hfFolder(disk.resolve(name), TINY, false);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.embed_tokens.weight", new long[] {TINY.vocabSize(), TINY.hiddenSize()});
    shapes.put("model.layers.0.self_attn.k_proj.weight", new long[] {TINY.kvDim(),
        TINY.hiddenSize()});
    shapes.put("model.norm.weight", new long[] {TINY.hiddenSize()});
    TestModels.safetensors(dir.resolve("model.safetensors"), shapes);
    return dir;
  }

  void assertRefused(Path dir, boolean copy, String... messageParts) {
    var t = assertThatThrownBy(() -> library.importLocal(dir,
        new ImportOptions("m", copy, null, null), JobContext.none()))
        .isInstanceOf(TemperException.class);
    for (String p : messageParts) {
      t.hasMessageContaining(p);
    }
    t.satisfies(e -> {
      assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(SECRET);
    });
    assertThat(library.list()).isEmpty();
  }

  void assertNoSecretInHome() throws IOException {
    try (Stream<Path> s = Files.walk(home)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        if (!p.getFileName().toString().endsWith(".db")) {
          assertThat(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1))
              .as(p.toString()).doesNotContain(SECRET);
        }
      }
    }
  }

  @Test
  void validFolderImports() throws IOException {
    Path dir = folder("ok");
    assertThat(library.importLocal(dir, new ImportOptions("m", true, null, null),
        JobContext.none()).name()).isEqualTo("m");
  }

  @Test
  void copyRefusesLinksLeavingTheFolder() throws IOException {
    Path dir = folder("linked");
    Files.createSymbolicLink(dir.resolve("LICENSE"), secretFile());
    assertRefused(dir, true, "LICENSE", "link");
    assertRefused(dir, false, "LICENSE", "link");
    assertNoSecretInHome();
  }

  @Test
  void linksInsideTheFolderAreFine() throws IOException {
    Path dir = folder("inside");
    Files.writeString(dir.resolve("LICENSE.real"), "MIT");
    Files.createSymbolicLink(dir.resolve("LICENSE"), Path.of("LICENSE.real"));
    assertThat(library.importLocal(dir, new ImportOptions("m", true, null, null),
        JobContext.none()).owned()).isTrue();
  }

  @Test
  void loadErrorsNeverEchoFileContents() throws IOException {
    Path dir = folder("badtok");
    Files.delete(dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer.json"), SECRET + " is the password\n");
    assertThatThrownBy(() -> HfTokenizer.open(dir))
        .isInstanceOf(TemperException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET)
            .contains("tokenizer.json").doesNotContain("\n"));
    Files.writeString(dir.resolve("generation_config.json"), SECRET + "\n");
    assertThatThrownBy(() -> HfTokenizer.open(dir))
        .isInstanceOf(TemperException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET)
            .contains("generation_config.json").doesNotContain("\n"));
    Files.writeString(dir.resolve("tokenizer_config.json"), SECRET + "\n");
    assertThatThrownBy(() -> HfTokenizerFiles.read(dir))
        .isInstanceOf(TemperException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET)
            .contains("tokenizer_config.json").doesNotContain("\n"));
    Files.writeString(dir.resolve("config.json"), SECRET + "\n");
    assertRefused(dir, false, "config.json");
  }

  @Test
  void truncatedSafetensorsIsRefusedAtImport() throws IOException {
    Path dir = folder("truncated");
    Path st = dir.resolve("model.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(st.toFile(), "rw")) {
      f.setLength(f.length() - 100);
    }
    assertRefused(dir, false, "model.safetensors", "truncated");
    assertRefused(dir, true, "model.safetensors");
  }

  @Test
  void hugeShapeIsRefusedAtImport() throws IOException {
    Path dir = folder("huge");
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.norm.weight", new long[] {1L << 40});
    String header = "{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[1099511627776],"
        + "\"data_offsets\":[0,4398046511104]}}";
    writeRaw(dir.resolve("model.safetensors"), header, 64);
    assertRefused(dir, false, "model.safetensors", "model.norm.weight");
  }

  @Test
  void shapesMustMatchTheConfig() throws IOException {
    Path dir = folder("mismatch");
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.layers.0.mlp.down_proj.weight", new long[] {TINY.hiddenSize(), 7});
    TestModels.safetensors(dir.resolve("model.safetensors"), shapes);
    assertRefused(dir, false, "model.layers.0.mlp.down_proj.weight", "config.json",
        "[64, 172]");
    shapes.clear();
    shapes.put("model.layers.9.input_layernorm.weight", new long[] {TINY.hiddenSize()});
    TestModels.safetensors(dir.resolve("model.safetensors"), shapes);
    assertRefused(dir, false, "model.layers.9", "num_hidden_layers");
  }

  @Test
  void absurdConfigValuesAreRefused() throws IOException {
    Object[][] cases = {
        {"hidden_size", 1_000_000_000L},
        {"max_position_embeddings", -5L},
        {"num_hidden_layers", 100_000L},
        {"vocab_size", 2_000_000_000L},
        {"intermediate_size", 0L},
        {"rms_norm_eps", -1.0},
        {"rope_theta", 0.0},
    };
    for (Object[] c : cases) {
      Path dir = folder("cfg-" + c[0]);
      ObjectNode cfg = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
      if (c[1] instanceof Long l) {
        cfg.put((String) c[0], l);
      } else {
        cfg.put((String) c[0], (Double) c[1]);
      }
      Files.writeString(dir.resolve("config.json"), cfg.toPrettyString());
      assertRefused(dir, false, "config.json", (String) c[0]);
    }
  }

  static void writeRaw(Path file, String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + dataBytes)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Files.write(file, b.array());
  }
}
