package ai.temper.views.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.RunStatus;
import ai.temper.engine.train.TrainKind;
import ai.temper.views.common.TaskExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Train page without a window or toolkit: the form's lists and a whole tiny run. */
class TrainViewModelTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  @TempDir Path dir;
  Workbench workbench;
  TrainViewModel model;

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    model = new TrainViewModel(workbench, TaskExecutor.direct(workbench.jobs()));
  }

  @AfterEach
  void tearDown() throws Exception {
    model.close();
    if (model.job() != null) {
      model.job().future().handle((v, e) -> null).get(60, TimeUnit.SECONDS);
    }
    workbench.close();
  }

  @Test
  void offersTheDatasetsOfTheAlgorithmsKind() throws Exception {
    DatasetImporter importer = new DatasetImporter(workbench.db());
    importer.importFile(Path.of("samples/chat-stories.jsonl"), new DatasetImporter.Options(
        "chats", DataFormat.AUTO, null), JobContext.none());
    importer.importFile(Path.of("samples/prefs-kindness.jsonl"), new DatasetImporter.Options(
        "prefs", DataFormat.AUTO, null), JobContext.none());
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.datasetNames()).containsExactly("chats");
    model.kindProperty().set(TrainKind.DPO);
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.datasetNames()).containsExactly("prefs");
    assertThat(model.start()).isFalse(); // no data chosen
    assertThat(model.errorProperty().get()).contains("dataset_mixer_list");
    assertThat(model.runningProperty().get()).isFalse();
  }

  @Test
  void aRunStreamsItsMetricsAndReportsItsCheckpoint() throws Exception {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
    TorchRuntime.configure(1);
    List<Path> finished = new CopyOnWriteArrayList<>();
    model.setOnFinished(finished::add);
    model.modelProperty().set(STORIES.toString());
    model.dataProperty().set("samples/chat-stories.jsonl,1.0");
    model.item("max_train_steps").setValue("3");
    model.item("per_device_train_batch_size").setValue(2);
    model.item("max_seq_length").setValue(64);
    model.item("eval_steps").setValue(0);
    assertThat(model.start()).isTrue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (model.runningProperty().get() || finished.isEmpty() && model.errorProperty().get()
        .isEmpty()) {
      assertThat(System.nanoTime()).as("the run ends within 120 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(model.errorProperty().get()).isEmpty();
    assertThat(model.points()).filteredOn(p -> p.name().equals("loss"))
        .extracting(TrainViewModel.MetricPoint::step).contains(1, 2, 3);
    assertThat(model.progressProperty().get()).isEqualTo(1.0);
    assertThat(finished).singleElement().satisfies(p -> assertThat(p.resolve("config.json"))
        .exists());
    assertThat(model.statusProperty().get()).startsWith("Run " + model.runIdProperty().get()
        + " finished");
    assertThat(workbench.db().runs().find(model.runIdProperty().get()).orElseThrow().status())
        .isEqualTo(RunStatus.SUCCEEDED);
  }
  @Test
  void followsARunAnotherJobTrainsLive() throws Exception {
    // the starter world (no ../shared): a tiny model pretrained for 4 steps, as a recipe would
    ai.temper.views.recipes.TinyRecipes.loadSamples(workbench);
    Path world = workbench.home().resolve("world");
    long id = workbench.runs().create(ai.temper.engine.train.TrainConfig.parse("""
        tokenizer_name: %s
        model_size: tiny
        dataset_mixer_list: ["%s", 1.0]
        eval_fraction: 0
        packing: true
        max_seq_length: 64
        max_train_steps: 4
        per_device_train_batch_size: 4
        logging_steps: 1
        save_steps: 4
        """.formatted(world.resolve("tokenizer.bin"), world.resolve("pretrain.jsonl")),
        "test", TrainKind.PRETRAIN));
    model.watch(id).get(30, TimeUnit.SECONDS);
    assertThat(model.runIdProperty().get()).isEqualTo(id);
    assertThat(model.statusProperty().get()).startsWith("Following run " + id);
    workbench.runs().submit(id).future().get(120, TimeUnit.SECONDS);
    assertThat(model.points()).filteredOn(p -> p.name().equals("loss"))
        .extracting(TrainViewModel.MetricPoint::step).contains(1, 2, 3, 4);
    assertThat(model.progressProperty().get()).isEqualTo(1.0);
    assertThat(model.runningProperty().get()).isFalse(); // the page's own Start stays free
  }
}
