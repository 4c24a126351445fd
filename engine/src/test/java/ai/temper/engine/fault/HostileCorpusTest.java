package ai.temper.engine.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.hf.SafetensorsFile;
import ai.temper.engine.models.ModelInspector;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input corpus ({@code src/test/resources/hostile}) against every importer and
 * loader that reads it: each input gives one clean one-line error (a {@link TemperException})
 * or is taken as data, within seconds, with no other exception and no JVM error (stack
 * overflow, out of memory). Inputs x loaders:
 * <ul>
 *   <li>jsonl/ (JSON Lines, JSON arrays, gzip): dataset import, skip and abort</li>
 *   <li>parquet/: dataset import</li>
 *   <li>safetensors/: the header reader, and `models import` of a folder holding it</li>
 *   <li>config/: the config.json reader, and `models import` of a folder with it</li>
 *   <li>llama2c/: the llama2.c reader, and the model inspector</li>
 *   <li>templates/: the chat-template sandbox (those needing its time limit run once it has
 *       one)</li>
 *   <li>yaml/: the training config reader</li>
 *   <li>file and dataset names: dataset naming and `models import --copy --name`</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileCorpusTest {
  static final Duration LIMIT = Duration.ofSeconds(20);
  /** Templates that only a time/size limit in the sandbox stops (the #14 work). */
  /** Templates that would run for ever without the sandbox's deadline and limits. */
  static final Set<String> RUNAWAY_TEMPLATES = Set.of("nested-range.jinja",
      "huge-range.jinja", "recursive-macro.jinja");

  @TempDir static Path dir;
  Workbench wb;
  int cases;

  @BeforeAll
  void open() throws IOException {
    wb = Workbench.open(dir.resolve("home"));
  }

  @AfterAll
  void close() {
    wb.close();
    System.out.println("hostile corpus: " + cases + " input x loader cases");
  }

  static Path corpus(String sub) {
    try {
      return Path.of(HostileCorpusTest.class.getResource("/hostile/" + sub).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Path> files(String sub) throws IOException {
    try (Stream<Path> s = Files.list(corpus(sub))) {
      return s.sorted().toList();
    }
  }

  /** Runs {@code load}: a clean one-line TemperException or success, in time. */
  void clean(String what, Runnable load) {
    cases++;
    assertTimeoutPreemptively(LIMIT, () -> {
      try {
        load.run();
      } catch (TemperException e) {
        assertThat(e.getMessage()).as(what).isNotBlank().doesNotContain("\n");
        if (!what.startsWith("chat template")) { // the sandbox's messages are #14's
          assertThat(e.getMessage()).as(what).doesNotContain("Exception:");
        }
      } catch (RuntimeException e) {
        throw new AssertionError(what + ": not a clean error: " + e, e);
      } catch (StackOverflowError | OutOfMemoryError e) {
        throw new AssertionError(what + ": the JVM gave out: " + e, e);
      }
    }, what + " took longer than " + LIMIT.toSeconds() + " s");
  }

  DynamicTest each(String name, Runnable load) {
    return DynamicTest.dynamicTest(name, () -> clean(name, load));
  }

  @TestFactory
  Stream<DynamicTest> datasetFiles() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    List<Path> inputs = new ArrayList<>(files("jsonl"));
    inputs.addAll(files("parquet"));
    int[] n = {0};
    for (Path f : inputs) {
      for (DatasetImporter.OnError policy : DatasetImporter.OnError.values()) {
        out.add(each("dataset import " + policy + " " + f.getFileName(), () -> {
          String name = "d" + (n[0]++);
          try {
            var r = new DatasetImporter(wb.db()).importFile(f,
                new DatasetImporter.Options(name, DataFormat.AUTO, policy), JobContext.none());
            // taken as data: what was stored is counted and nothing holds U+FFFD
            assertThat(r.rows()).isPositive();
            wb.db().datasets().forEach(r.dataset().id(), 100, page -> page.forEach(e ->
                assertThat(e.data()).doesNotContain("\uFFFD")));
          } catch (TemperException e) {
            assertThat(wb.db().datasets().find(name)).isEmpty(); // nothing half-written
            throw e;
          }
        }));
      }
    }
    return out.stream();
  }

  @TestFactory
  Stream<DynamicTest> safetensorsHeaders() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    for (Path f : files("safetensors")) {
      out.add(each("safetensors header " + f.getFileName(), () -> {
        SafetensorsFile.open(f).close();
        throw new AssertionError(f + " was accepted");
      }));
      out.add(each("models import with " + f.getFileName(), () ->
          importFolder(folder(f.getFileName().toString(), null, f))));
    }
    return out.stream();
  }

  @TestFactory
  Stream<DynamicTest> configValues() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    for (Path f : files("config")) {
      out.add(each("config.json " + f.getFileName(), () -> {
        LlamaConfig.read(f);
        throw new AssertionError(f + " was accepted");
      }));
      out.add(each("models import with config " + f.getFileName(), () ->
          importFolder(folder("cfg-" + f.getFileName(), f, null))));
    }
    return out.stream();
  }

  @TestFactory
  Stream<DynamicTest> llama2cHeaders() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    for (Path f : files("llama2c")) {
      out.add(each("llama2.c " + f.getFileName(), () -> {
        Llama2cCheckpoint.read(f);
        throw new AssertionError(f + " was accepted");
      }));
      out.add(each("model inspector " + f.getFileName(), () -> {
        ModelInspector.inspect(f, null);
        throw new AssertionError(f + " was accepted");
      }));
    }
    return out.stream();
  }

  @TestFactory
  Stream<DynamicTest> chatTemplates() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Path f : files("templates")) {
      String name = f.getFileName().toString();
      names.add(name);
      out.add(each("chat template " + name, () -> {
        try {
          ChatTemplate.of(Files.readString(f), "<s>", "</s>")
              .render(List.of(ChatMessage.user("hello")), true);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    // the sandbox's deadline, range cap and macro depth stop these; they must stay covered
    out.add(DynamicTest.dynamicTest("the runaway templates are in the corpus",
        () -> assertThat(names).containsAll(RUNAWAY_TEMPLATES)));
    return out.stream();
  }

  @TestFactory
  Stream<DynamicTest> trainingConfigs() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    for (Path f : files("yaml")) {
      out.add(each("training config " + f.getFileName(), () ->
          TrainConfig.load(f, TrainKind.SFT).withSets(List.of("model_name_or_path=x"))));
    }
    return out.stream();
  }

  static final List<String> NAMES = List.of("", " ", "../../etc/passwd", "a\nb", "a\u0000b",
      "x".repeat(10_000), "'; DROP TABLE datasets; --", "\u202eevil", "con", ".", "..",
      "a/b\\c", "名前");

  @TestFactory
  Stream<DynamicTest> names() throws IOException {
    List<DynamicTest> out = new ArrayList<>();
    Path model = folder("named", null, null);
    for (String n : NAMES) {
      String shown = n.length() > 20 ? n.substring(0, 20) + "..." : n;
      out.add(each("dataset name '" + shown + "'", () -> Datasets.checkName(n)));
      out.add(each("model name '" + shown + "'", () -> {
        ModelLibrary lib = new ModelLibrary(wb);
        var row = lib.importLocal(model, new ModelLibrary.ImportOptions(n, true, null, null),
            JobContext.none());
        // stored literally (a blank name: the folder's), its files inside the model cache
        if (!n.isBlank()) {
          assertThat(row.name()).isEqualTo(n.strip());
        }
        assertThat(Path.of(row.path()).toAbsolutePath().normalize())
            .startsWith(wb.modelsDir().toAbsolutePath().normalize());
        lib.remove(row.id(), true);
        assertThat(Files.exists(Path.of(row.path()))).isFalse();
      }));
    }
    return out.stream();
  }

  // ------------------------------------------------------------------ helpers

  int folders;

  /** An HF folder of the tiny shape; {@code config}/{@code weights} replace its files. */
  Path folder(String name, Path config, Path weights) {
    try {
      Path d = Files.createDirectories(dir.resolve("models").resolve("m" + (folders++)));
      if (config != null) {
        Files.copy(config, d.resolve("config.json"));
      } else {
        Files.writeString(d.resolve("config.json"), LlamaConfig.llama(512, 64, 172, 5, 8, 4,
            512, true).toJson().toString());
      }
      if (weights != null) {
        Files.copy(weights, d.resolve("model.safetensors"));
      } else {
        String h = "{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[64],"
            + "\"data_offsets\":[0,256]}}";
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        Files.write(d.resolve("model.safetensors"), ByteBuffer.allocate(8 + hb.length + 256)
            .order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length).put(hb).array());
      }
      Files.writeString(d.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
      return d;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  void importFolder(Path folder) {
    ModelLibrary lib = new ModelLibrary(wb);
    int before = lib.list().size();
    try {
      lib.importLocal(folder, new ModelLibrary.ImportOptions(null, false, null, null),
          JobContext.none());
    } finally {
      assertThat(lib.list()).hasSize(before); // nothing registered
    }
    throw new AssertionError(folder + " was imported");
  }

}
