package ai.temper.engine.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.models.ModelLibrary.CreateOptions;
import ai.temper.engine.models.ModelLibrary.ImportOptions;
import ai.temper.engine.store.ModelKind;
import ai.temper.engine.store.ModelRepository.ModelRow;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLibraryTest {
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

  static void assumeStories() {
    assumeTrue(Files.exists(TestModels.STORIES), "../shared/models/stories260K is absent");
  }

  @Test
  void importsStories260KByReferenceWithItsTokenizerAndParameterCount() {
    assumeStories();
    ModelRow m = library.importLocal(TestModels.STORIES, ImportOptions.byReference(),
        JobContext.none());
    assertThat(m.name()).isEqualTo("stories260K");
    assertThat(m.kind()).isEqualTo(ModelKind.BASE);
    assertThat(m.format()).isEqualTo("llama2c");
    assertThat(m.parameters()).isEqualTo(260_032L);
    assertThat(m.owned()).isFalse();
    assertThat(Path.of(m.tokenizerPath()).getFileName().toString()).isEqualTo("tok512.bin");

    ModelDetails d = library.details(m.id());
    assertThat(d.config().hiddenSize()).isEqualTo(64);
    assertThat(d.config().numHiddenLayers()).isEqualTo(5);
    assertThat(d.config().numKeyValueHeads()).isEqualTo(4);
    assertThat(d.config().vocabSize()).isEqualTo(512);
    assertThat(d.config().tieWordEmbeddings()).isTrue();
    assertThat(d.memory().weightBytes()).isEqualTo(260_032L * 4);
    // K and V: 2 x 5 layers x (4 heads x 8) x 512 positions x 4 bytes
    assertThat(d.memory().kvCacheBytes()).isEqualTo(2L * 5 * 32 * 512 * 4);
    assertThat(d.tokenizerKind()).contains("tok512.bin");
    assertThat(d.toText()).contains("260,032").contains("llama2.c tokenizer");

    ModelLocation loc = library.locate("stories260K");
    assertThat(loc.model()).isEqualTo(TestModels.STORIES.toAbsolutePath().normalize());
    assertThat(loc.tokenizer().getFileName().toString()).isEqualTo("tok512.bin");
    assertThat(library.locate(Long.toString(m.id())).entry().id()).isEqualTo(m.id());

    assertThatThrownBy(() -> library.importLocal(TestModels.STORIES, ImportOptions.byReference(),
        JobContext.none())).hasMessageContaining("already in the library");
  }

  @Test
  void importsTheFolderThatHoldsAllama2cCheckpoint() {
    assumeStories();
    ModelRow m = library.importLocal(TestModels.STORIES.getParent(),
        new ImportOptions("s260", false, null, null), JobContext.none());
    assertThat(m.name()).isEqualTo("s260");
    assertThat(m.path()).endsWith("stories260K.bin");
    assertThat(m.tokenizerPath()).endsWith("tok512.bin");
  }

  @Test
  void aCopyLivesInTheModelCacheAndGoesWithItsEntry() throws IOException {
    assumeStories();
    ModelRow m = library.importLocal(TestModels.STORIES, new ImportOptions("mine", true, null,
        null), JobContext.none());
    Path file = Path.of(m.path());
    assertThat(m.owned()).isTrue();
    assertThat(file.getParent().getParent()).isEqualTo(wb.modelsDir());
    assertThat(Files.mismatch(file, TestModels.STORIES)).isEqualTo(-1L);
    assertThat(Path.of(m.tokenizerPath())).exists().hasParent(file.getParent());
    assertThat(m.sizeBytes()).isEqualTo(Files.size(TestModels.STORIES)
        + Files.size(TestModels.STORIES_TOK));

    library.remove(m.id(), false);
    assertThat(file.getParent()).doesNotExist();
    assertThat(library.list()).isEmpty();
    assertThat(TestModels.STORIES).exists();
  }

  @Test
  void removingAReferencedModelKeepsItsFiles() throws IOException {
    Path dir = TestModels.hfFolder(disk.resolve("my-model"), TestModels.TINY, false);
    ModelRow m = library.importLocal(dir, ImportOptions.byReference(), JobContext.none());
    library.remove(m.id(), false);
    assertThat(dir.resolve("model.safetensors")).exists();
    assertThat(library.list()).isEmpty();
  }

  @Test
  void describesAHuggingFaceFolder() throws IOException {
    LlamaConfig gqa = LlamaConfig.llama(1000, 96, 256, 3, 6, 2, 2048, false);
    Path dir = TestModels.hfFolder(disk.resolve("hf-model"), gqa, true);
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 0x7d, 0x71});
    ModelRow m = library.importLocal(dir, new ImportOptions(null, true, null, null),
        JobContext.none());
    assertThat(m.name()).isEqualTo("hf-model");
    assertThat(m.format()).isEqualTo("hf");
    assertThat(m.architecture()).isEqualTo("LlamaForCausalLM");
    assertThat(m.parameters()).isEqualTo(gqa.parameterCount());
    // the pickle stays behind: only what a model needs is copied
    assertThat(Path.of(m.path()).resolve("pytorch_model.bin")).doesNotExist();

    ModelDetails d = library.details(m.id());
    assertThat(d.chatTemplate()).isTrue();
    assertThat(d.tokenizerKind()).startsWith("tokenizer.json");
    assertThat(d.files()).extracting(ModelFile::name).containsExactly("config.json",
        "model.safetensors", "tokenizer.json", "tokenizer_config.json");
    assertThat(d.config().numKeyValueHeads()).isEqualTo(2);
    assertThat(d.memory().kvCacheBytes()).isEqualTo(2L * 3 * (2 * 16) * 2048 * 4);
    assertThat(d.evals()).isEmpty();
    assertThat(d.toText()).contains("chat template: yes").contains("separate");
  }

  @Test
  void refusesPicklesAndDamagedCheckpointsWithTheFileNamed() throws IOException {
    Path pickle = disk.resolve("model.pt");
    Files.write(pickle, new byte[] {(byte) 0x80, 2, 0x7d, 0x71, 0, 0});
    assertThatThrownBy(() -> library.importLocal(pickle, ImportOptions.byReference(),
        JobContext.none())).isInstanceOf(TemperException.class)
        .hasMessageContaining("model.pt").hasMessageContaining("pickle");

    Path pickledDir = Files.createDirectories(disk.resolve("old"));
    Files.writeString(pickledDir.resolve("config.json"), TestModels.TINY.toJson().toString());
    Files.write(pickledDir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 0x7d, 0});
    assertThatThrownBy(() -> library.importLocal(pickledDir, ImportOptions.byReference(),
        JobContext.none())).hasMessageContaining("pytorch_model.bin")
        .hasMessageContaining("safetensors");

    assumeStories();
    Path truncated = disk.resolve("half.bin");
    try (OutputStream out = Files.newOutputStream(truncated)) {
      out.write(Files.readAllBytes(TestModels.STORIES), 0, 500_000);
    }
    assertThatThrownBy(() -> library.importLocal(truncated, ImportOptions.byReference(),
        JobContext.none())).hasMessageContaining("half.bin").hasMessageContaining("truncated");
    assertThat(library.list()).isEmpty();
  }

  @Test
  void lineageLinksCheckpointsAndAdaptersToTheirBaseAndRun() throws IOException {
    ModelRow base = library.importLocal(TestModels.hfFolder(disk.resolve("base"),
        TestModels.TINY, false), ImportOptions.byReference(), JobContext.none());
    long sft = wb.db().runs().create("sft", "tulu-sft", "lr: 1e-4", base.name(), "tulu-mix",
        wb.checkpointsDir().resolve("run-1").toString());
    Path step100 = TestModels.hfFolder(wb.checkpointsDir().resolve("run-1/step-100"),
        TestModels.TINY, false);
    Path step200 = TestModels.hfFolder(wb.checkpointsDir().resolve("run-1/step-200"),
        TestModels.TINY, false);
    ModelRow c1 = library.registerCheckpoint(sft, base.id(), step100, 100);
    ModelRow c2 = library.registerCheckpoint(sft, base.id(), step200, 200);
    assertThat(library.registerCheckpoint(sft, base.id(), step200, 200).id())
        .isEqualTo(c2.id());
    long dpo = wb.db().runs().create("dpo", null, "beta: 0.1", c2.name(), "prefs", null);
    ModelRow c3 = library.registerCheckpoint(dpo, c2.id(),
        TestModels.hfFolder(disk.resolve("dpo-final"), TestModels.TINY, false), 50);
    ModelRow lora = library.registerAdapter(null, base.id(),
        TestModels.adapterFolder(disk.resolve("lora"), "base", 8, 64), null);

    assertThat(c1.name()).isEqualTo("tulu-sft/step-100");
    assertThat(c3.name()).isEqualTo("run-" + dpo + "/step-50");
    assertThat(c1.kind()).isEqualTo(ModelKind.CHECKPOINT);
    assertThat(c1.parentId()).isEqualTo(base.id());
    assertThat(c1.runId()).isEqualTo(sft);
    assertThat(c1.step()).isEqualTo(100L);
    assertThat(lora.kind()).isEqualTo(ModelKind.ADAPTER);
    assertThat(lora.format()).isEqualTo("peft");
    assertThat(lora.parameters()).isEqualTo(2L * 8 * 64);
    // the run's checkpoints rows point at the library entries
    assertThat(wb.db().sql().queryLong("SELECT COUNT(*) FROM checkpoints WHERE run_id = ? "
        + "AND model_id IS NOT NULL", sft)).isEqualTo(2);

    List<LineageNode> forest = library.lineage();
    assertThat(forest).hasSize(1);
    LineageNode root = forest.get(0);
    assertThat(root.model().id()).isEqualTo(base.id());
    assertThat(root.children()).extracting(n -> n.model().id())
        .containsExactly(c1.id(), c2.id(), lora.id());
    LineageNode second = root.children().get(1);
    assertThat(second.algorithm()).isEqualTo("sft");
    assertThat(second.datasets()).isEqualTo("tulu-mix");
    assertThat(second.children()).extracting(n -> n.model().id()).containsExactly(c3.id());
    assertThat(second.children().get(0).algorithm()).isEqualTo("dpo");
    assertThat(root.size()).isEqualTo(5);
    assertThat(library.lineageOf(c3.id()).model().id()).isEqualTo(base.id());

    ModelDetails d = library.details(c2.id());
    assertThat(d.parent().id()).isEqualTo(base.id());
    assertThat(d.run().kind()).isEqualTo("sft");
    assertThat(d.children()).extracting(ModelRow::id).containsExactly(c3.id());
    assertThat(d.toText()).contains("algorithm:").contains("tulu-mix").contains("step:");

    // a base with descendants stays unless forced; its checkpoints keep their files
    assertThatThrownBy(() -> library.remove(base.id(), false))
        .hasMessageContaining("tulu-sft/step-100");
    library.remove(base.id(), true);
    assertThat(step100).exists();
    assertThat(library.lineage()).extracting(n -> n.model().id())
        .containsExactly(c1.id(), c2.id(), lora.id());
  }

  @Test
  void anAdapterFindsItsBaseByName() throws IOException {
    ModelRow base = library.importLocal(TestModels.hfFolder(disk.resolve("SmolBase"),
        TestModels.TINY, false), ImportOptions.byReference(), JobContext.none());
    ModelRow a = library.importLocal(TestModels.adapterFolder(disk.resolve("a"), "SmolBase", 4,
        64), ImportOptions.byReference(), JobContext.none());
    assertThat(a.kind()).isEqualTo(ModelKind.ADAPTER);
    assertThat(a.parentId()).isEqualTo(base.id());
  }

  @Test
  void showsEvaluationResultsRecordedForTheModel() throws IOException {
    ModelRow m = library.importLocal(TestModels.hfFolder(disk.resolve("m"), TestModels.TINY,
        false), ImportOptions.byReference(), JobContext.none());
    wb.db().evals().add(m.id(), m.path(), "development", "gsm8k", "exact_match", 0.25, 200L,
        null);
    wb.db().evals().add(null, m.path(), null, "ifeval", "accuracy", 0.5, null, null);
    ModelDetails d = library.details(m.id());
    assertThat(d.evals()).extracting(e -> e.task()).containsExactly("gsm8k", "ifeval");
    assertThat(d.toText()).contains("development/gsm8k  exact_match = 0.2500  (200 instances)");
  }

  @Test
  void resolvesByIdOrNameAndNamesStayUnique() throws IOException {
    Path dir = TestModels.hfFolder(disk.resolve("same"), TestModels.TINY, false);
    ModelRow a = library.importLocal(dir, new ImportOptions(null, true, null, null),
        JobContext.none());
    ModelRow b = library.importLocal(dir, new ImportOptions(null, true, null, null),
        JobContext.none());
    assertThat(a.name()).isEqualTo("same");
    assertThat(b.name()).isEqualTo("same-2");
    assertThat(Path.of(b.path())).isNotEqualTo(Path.of(a.path()));
    assertThat(library.resolve("same-2").id()).isEqualTo(b.id());
    assertThat(library.resolve(Long.toString(a.id())).id()).isEqualTo(a.id());
    assertThatThrownBy(() -> library.importLocal(dir, new ImportOptions("same", true, null,
        null), JobContext.none())).hasMessageContaining("already in the library");
    assertThatThrownBy(() -> library.resolve("nope")).hasMessageContaining("No model 'nope'");
    assertThatThrownBy(() -> library.locate("/no/such/model"))
        .hasMessageContaining("neither a model in the library nor a file");
  }

  @Test
  void createsATinyModelFromScratchWithTheTokenizerOfStories260K() throws IOException {
    assumeStories();
    library.importLocal(TestModels.STORIES, ImportOptions.byReference(), JobContext.none());
    ModelRow m = library.create(new CreateOptions(ModelPreset.TINY, "stories260K", null, 7),
        JobContext.none());
    assertThat(m.name()).isEqualTo("tiny-scratch");
    assertThat(m.kind()).isEqualTo(ModelKind.BASE);
    assertThat(m.format()).isEqualTo("hf");
    assertThat(m.owned()).isTrue();
    assertThat(m.parameters()).isEqualTo(260_032L);
    assertThat(m.source()).isEqualTo("scratch:tiny seed 7, tokenizer of stories260K");
    Path dir = Path.of(m.path());
    assertThat(dir.getParent()).isEqualTo(wb.modelsDir());
    assertThat(dir.resolve("model.safetensors")).exists();
    assertThat(dir.resolve("generation_config.json")).exists();

    // what the engine reads back is what was initialised, with a working tokenizer
    LlamaConfig config = ModelPreset.TINY.config(512, 1, 2);
    Checkpoint back = ModelLoader.readCheckpoint(dir, null);
    assertThat(back.config()).isEqualTo(config);
    StateDict expected = ScratchModel.initialise(config, 7, JobContext.none());
    for (var e : expected.asMap().entrySet()) {
      assertThat(back.weights().get(e.getKey()).data()).as(e.getKey())
          .isEqualTo(e.getValue().data());
    }
    Checkpoint stories = ModelLoader.readCheckpoint(TestModels.STORIES, TestModels.STORIES_TOK);
    String text = "Once upon a time, Lily saw a big dog.";
    assertThat(back.tokenizer().encode(text, true))
        .isEqualTo(stories.tokenizer().encode(text, true));
    back.tokenizer().close();
    stories.tokenizer().close();

    ModelDetails d = library.details(m.id());
    assertThat(d.tokenizerKind()).startsWith("tokenizer.json");
    assertThat(library.stagingDir()).isEmptyDirectory();
  }

  @Test
  void aNewModelTakesItsVocabularyFromTheTokenizerItIsGiven() throws IOException {
    LlamaConfig big = LlamaConfig.llama(1000, 96, 256, 3, 6, 2, 2048, false);
    library.importLocal(TestModels.hfFolder(disk.resolve("bigvocab"), big, true),
        ImportOptions.byReference(), JobContext.none());
    ModelRow m = library.create(new CreateOptions(ModelPreset.TINY, "bigvocab", "t2", 1),
        JobContext.none());
    assertThat(m.parameters()).isEqualTo(ModelPreset.TINY.config(1000, 1, 2).parameterCount());
    assertThat(library.details(m.id()).chatTemplate()).isTrue();
    assertThatThrownBy(() -> library.create(new CreateOptions(ModelPreset.TINY, "bigvocab", "t2",
        1), JobContext.none())).hasMessageContaining("already in the library");
  }

  @Test
  void detailsOfAModelWhoseFilesAreGoneSayWhere() throws IOException {
    Path dir = TestModels.hfFolder(disk.resolve("gone"), TestModels.TINY, false);
    ModelRow m = library.importLocal(dir, ImportOptions.byReference(), JobContext.none());
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json",
        "tokenizer_config.json")) {
      Files.delete(dir.resolve(f));
    }
    Files.delete(dir);
    ModelDetails d = library.details(m.id());
    assertThat(d.present()).isFalse();
    assertThat(d.problem()).contains("gone");
    assertThat(d.config().hiddenSize()).isEqualTo(64); // from what was stored
    assertThat(d.toText()).contains("MISSING");
  }
}
