package ai.temper.engine.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.annotate.Choice;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.hf.SafetensorsFile;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.hub.FakeHub;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import ai.temper.engine.train.CheckpointIO;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainingRuns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash tests in the spirit of SQLite's: a child JVM runs an operation and is killed with
 * SIGKILL at a seeded random kill point (a named {@link ai.temper.engine.Faults} point and
 * how many times it is passed first), then invariants are checked: the database opens, nothing
 * half-written is visible, counts agree, and the operation run again (resumed) gives what an
 * uninterrupted run gives.
 *
 * <p>Operations x kill points: dataset import (after a committed batch of rows), SFT training
 * with checkpoints (after a step's metrics, inside the model writer's partial folder, with a
 * checkpoint staged before its rename), Hub download (after a chunk on disk), annotation
 * labelling (after a committed label). The default build runs a few points per operation;
 * {@code -Pfault-long} (or {@code -Dtemper.fault.points=long}) many;
 * {@code -Dtemper.fault.seed=N} picks others. Evaluation storage is to be added as an
 * operation here ({@link #operations()}) when it exists.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultSuiteTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  static final long SEED = Long.getLong("temper.fault.seed", 18);
  static final boolean LONG = "long".equals(System.getProperty("temper.fault.points"));
  static final int IMPORT_ROWS = 3_000; // 6 committed batches of 500
  static final int STEPS = 9;
  static final int SAVE_STEPS = 3;

  @TempDir Path dir;
  final Random random = new Random(SEED);

  // ------------------------------------------------------------------ the child and its kill

  /** Runs FaultChild with {@code fault}; kills it with SIGKILL once it reports the point. */
  List<String> runAndKill(String fault, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true", "-Dtemper.fault=" + fault,
        "-cp", System.getProperty("java.class.path"), FaultChild.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(
        dir.resolve("child-" + System.nanoTime() + ".out").toFile());
    pb.environment().put("TEMPER_THREADS", "1");
    Process p = pb.start();
    List<String> err = new ArrayList<>();
    boolean reached = false;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        err.add(line);
        if (line.startsWith("temper-fault: ")) {
          reached = true;
          p.destroyForcibly(); // SIGKILL at the point: no shutdown hooks, no clean close
          break;
        }
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(reached).as("kill point %s reached; child said %s", fault, err).isTrue();
    return err;
  }

  // ------------------------------------------------------------------ operations

  Stream<DynamicTest> operations() {
    return Stream.of(importKills(), trainingKills(), downloadKills(), labellingKills())
        .flatMap(s -> s);
  }

  @TestFactory
  Stream<DynamicTest> crashes() {
    return operations();
  }

  /** Kill points: (point name, times passed first), drawn from the seed. */
  List<String> draw(int n, String[] names, int[] maxCount) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = LONG ? random.nextInt(names.length) : i % names.length;
      out.add(names[k] + ":" + (1 + random.nextInt(maxCount[k])));
    }
    return out;
  }

  Stream<DynamicTest> importKills() {
    return draw(LONG ? 10 : 2, new String[] {"import.batch"}, new int[] {IMPORT_ROWS / 500 - 1})
        .stream().map(point -> DynamicTest.dynamicTest("dataset import killed at " + point,
            () -> importKilledAt(point)));
  }

  Stream<DynamicTest> trainingKills() {
    return draw(LONG ? 12 : 3,
        new String[] {"train.step", "checkpoint.partial", "checkpoint.staged"},
        new int[] {STEPS, STEPS / SAVE_STEPS, STEPS / SAVE_STEPS})
        .stream().map(point -> DynamicTest.dynamicTest("SFT training killed at " + point,
            () -> trainingKilledAt(point)));
  }

  Stream<DynamicTest> downloadKills() {
    return draw(LONG ? 8 : 2, new String[] {"download.chunk"}, new int[] {5})
        .stream().map(point -> DynamicTest.dynamicTest("Hub download killed at " + point,
            () -> downloadKilledAt(point)));
  }

  // ------------------------------------------------------------------ dataset import

  void importKilledAt(String point) throws Exception {
    Path home = Files.createTempDirectory(dir, "import");
    Path file = dir.resolve("rows.jsonl");
    if (!Files.exists(file)) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < IMPORT_ROWS; i++) {
        lines.add("{\"text\": \"document " + i + " of the fault suite\"}");
      }
      Files.write(file, lines);
    }
    runAndKill(point, "import", home.toString(), file.toString());
    try (Workbench wb = Workbench.open(home)) { // the database opens
      assertThat(wb.db().datasets().list()).isEmpty(); // no half-written dataset
      assertThat(wb.db().sql().queryLong("SELECT COUNT(*) FROM examples")).isZero();
      var r = new DatasetImporter(wb.db()).importFile(file,
          new DatasetImporter.Options("big", DataFormat.AUTO, null), JobContext.none());
      assertThat(r.rows()).isEqualTo(IMPORT_ROWS);
      assertThat(wb.db().sql().queryLong("SELECT COUNT(*) FROM examples"))
          .isEqualTo(IMPORT_ROWS);
      assertThat(wb.db().datasets().find("big").orElseThrow().rowCount())
          .isEqualTo(IMPORT_ROWS);
    }
  }

  // ------------------------------------------------------------------ training

  Path trainHome;
  Path trainConfig;
  List<Double> reference;

  /** The uninterrupted run all resumed ones must equal (once, in this process). */
  synchronized void trainingReference() throws Exception {
    if (reference != null) {
      return;
    }
    TorchRuntime.configure(1);
    trainHome = Files.createTempDirectory(dir, "train");
    trainConfig = dir.resolve("sft.yaml");
    Files.writeString(trainConfig, """
        model_name_or_path: %s
        dataset_mixer_list: [%s, 16]
        eval_fraction: 0
        max_seq_length: 96
        learning_rate: 3.0e-3
        max_train_steps: %d
        per_device_train_batch_size: 2
        save_steps: %d
        """.formatted(STORIES.toAbsolutePath(),
            Path.of("samples/chat-stories.jsonl").toAbsolutePath(), STEPS, SAVE_STEPS));
    try (Workbench wb = Workbench.open(trainHome)) {
      TrainingRuns runs = wb.runs();
      long id = runs.create(TrainConfig.load(trainConfig, TrainKind.SFT).withSets(List.of()));
      runs.run(id, JobContext.none());
      reference = losses(wb, id);
    }
    assertThat(reference).hasSize(STEPS);
  }

  void trainingKilledAt(String point) throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    trainingReference();
    runAndKill(point, "train", trainHome.toString(), trainConfig.toString());
    try (Workbench wb = Workbench.open(trainHome)) { // the database opens
      TrainingRuns runs = wb.runs();
      Run killed = wb.db().runs().list().get(0);
      assertThat(killed.status()).isEqualTo(RunStatus.INTERRUPTED);
      Path out = Path.of(killed.outputDir());
      // no half-written checkpoint is visible: each step-N is whole
      List<Path> steps = stepDirs(out);
      for (Path s : steps) {
        assertComplete(s);
      }
      List<Double> before = losses(wb, killed.id());
      assertThat(before.size()).isLessThanOrEqualTo(STEPS);
      for (int i = 0; i < before.size(); i++) {
        assertThat(before.get(i)).isCloseTo(reference.get(i), within(1e-6));
      }
      // resume equals the uninterrupted run
      runs.run(killed.id(), JobContext.none());
      List<Double> after = losses(wb, killed.id());
      assertThat(after).hasSize(STEPS);
      for (int i = 0; i < STEPS; i++) {
        assertThat(after.get(i)).as("loss at step %d after %s", i + 1, point)
            .isCloseTo(reference.get(i), within(1e-6));
      }
      assertThat(wb.db().runs().find(killed.id()).orElseThrow().status())
          .isEqualTo(RunStatus.SUCCEEDED);
      // nothing left over; the checkpoint rows and folders agree
      try (Stream<Path> s = Files.list(out)) {
        assertThat(s.map(p -> p.getFileName().toString()))
            .noneMatch(n -> n.contains(".staging-") || n.contains(".partial"));
      }
      List<Path> finalSteps = stepDirs(out);
      for (Path s : finalSteps) {
        assertComplete(s);
      }
      assertThat(wb.db().checkpoints().forRun(killed.id()))
          .allMatch(c -> Files.isDirectory(Path.of(c.path())))
          .extracting(c -> c.step()).contains((long) STEPS);
    }
  }

  static List<Path> stepDirs(Path out) throws IOException {
    if (!Files.isDirectory(out)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(out)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d+")).toList();
    }
  }

  static void assertComplete(Path step) {
    assertThat(step.resolve(CheckpointIO.STATE)).isRegularFile();
    assertThat(step.resolve(CheckpointIO.OPTIMIZER)).isRegularFile();
    assertThat(step.resolve("config.json")).isRegularFile();
    try (SafetensorsFile f = SafetensorsFile.open(step.resolve("model.safetensors"))) {
      assertThat(f.entries()).isNotEmpty(); // the header is whole and matches the file size
    }
  }

  static List<Double> losses(Workbench wb, long run) {
    List<Double> out = new ArrayList<>();
    for (Metric m : wb.db().metrics().series(run, "loss")) {
      out.add(m.value());
    }
    return out;
  }

  // ------------------------------------------------------------------ annotation labelling

  static final int PAIRS = 12;

  Stream<DynamicTest> labellingKills() {
    return draw(LONG ? 8 : 1, new String[] {"annotate.label"}, new int[] {PAIRS - 1})
        .stream().map(point -> DynamicTest.dynamicTest("annotation labelling killed at "
            + point, () -> labellingKilledAt(point)));
  }

  void labellingKilledAt(String point) throws Exception {
    Path home = Files.createTempDirectory(dir, "label");
    try (Workbench wb = Workbench.open(home)) {
      List<NewPair> pairs = new ArrayList<>();
      for (int i = 0; i < PAIRS; i++) {
        pairs.add(new NewPair(i, "prompt " + i, "answer a" + i, "answer b" + i, "m1", "m2",
            Annotations.pairHash("prompt " + i, "answer a" + i, "answer b" + i)));
      }
      new Annotations(wb.db()).create("fault", null, "test", List.of("ann"), 0, 7, null, null,
          null, pairs);
    }
    int committed = Integer.parseInt(point.substring(point.indexOf(':') + 1));
    runAndKill(point, "label", home.toString());
    try (Workbench wb = Workbench.open(home)) { // the database opens
      Annotations ann = new Annotations(wb.db());
      var session = ann.require("fault");
      List<LabelRow> labels = ann.labels(session);
      // every label committed before the kill is there, whole; none after it
      assertThat(labels).hasSize(committed);
      assertThat(labels).allMatch(l -> l.choice() != null && l.pairIdx() < committed);
      var queue = ann.queue(session, "ann");
      assertThat(Annotations.resumeAt(queue)).isEqualTo(committed);
      for (int i = committed; i < PAIRS; i++) {
        ann.label(session, "ann", i, Choice.TIE, null, null, 1.0);
      }
      assertThat(ann.labels(session)).hasSize(PAIRS)
          .extracting(LabelRow::pairIdx).doesNotHaveDuplicates();
    }
  }

  // ------------------------------------------------------------------ Hub download

  static final String REPO = "fault-org/tiny";
  static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  void downloadKilledAt(String point) throws Exception {
    Path home = Files.createTempDirectory(dir, "hub");
    byte[] weights = safetensors(80_000, 11); // 320 KB: five 64 KB chunks and a bit
    String config = "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":512,"
        + "\"hidden_size\":64,\"intermediate_size\":172,\"num_hidden_layers\":5,"
        + "\"num_attention_heads\":8,\"num_key_value_heads\":4}";
    try (FakeHub hub = new FakeHub(REPO, SHA)
        .file("config.json", config)
        .file("tokenizer.json", "{\"model\":{\"type\":\"BPE\"}}")
        .lfsFile("model.safetensors", weights)) {
      hub.delayPerChunk(5);
      runAndKill(point, "pull", home.toString(), hub.endpoint(), REPO);
      try (Workbench wb = Workbench.open(home)) { // the database opens
        ModelLibrary library = new ModelLibrary(wb);
        assertThat(library.list()).isEmpty(); // no half-downloaded model registered
        try (Stream<Path> s = Files.list(wb.modelsDir())) {
          assertThat(s.map(p -> p.getFileName().toString()))
              .allMatch(n -> n.startsWith(".")); // only the hidden staging area
        }
        var m = library.pull(new HubClient(hub.endpoint(), null).retries(1, 0), REPO, "main",
            JobContext.none());
        assertThat(Files.readAllBytes(Path.of(m.path()).resolve("model.safetensors")))
            .isEqualTo(weights);
        // the second pull resumed the partial file with a Range request
        assertThat(hub.requestsFor("model.safetensors"))
            .anyMatch(seen -> seen.range() != null && !seen.range().startsWith("bytes=0-"));
        assertThat(library.list()).hasSize(1);
      }
    }
  }

  /** A valid F32 safetensors file of one 1-D tensor of random data. */
  static byte[] safetensors(int elements, long seed) {
    String h = "{\"blob\":{\"dtype\":\"F32\",\"shape\":[" + elements + "],\"data_offsets\":[0,"
        + 4L * elements + "]}}";
    byte[] header = h.getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[4 * elements];
    new Random(seed).nextBytes(data);
    return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length).put(header).put(data).array();
  }
}
