package ai.temper.views.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.store.RunStatus;
import ai.temper.engine.train.TrainKind;
import ai.temper.views.runs.RunsViewModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.controlsfx.control.PropertySheet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Train page on a real home: defaults in the sheet, a live tiny run, cancel, resume. */
@ExtendWith(ApplicationExtension.class)
class TrainViewTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  private Workbench workbench;
  private TrainViewModel model;
  private TrainView view;

  @Start
  void start(Stage stage) throws Exception {
    TorchRuntime.configure(1);
    workbench = Workbench.open(Files.createTempDirectory("temper-train"));
    model = new TrainViewModel(workbench);
    view = new TrainView(model);
    stage.setScene(new Scene(view, 1200, 800));
    stage.show();
  }

  @AfterEach
  void close() throws Exception {
    if (model.job() != null) {
      model.job().cancel();
      model.job().future().handle((v, e) -> null).get(60, TimeUnit.SECONDS);
    }
    workbench.close();
  }

  @Test
  void sheetShowsEachAlgorithmsFieldsWithDefaults(FxRobot robot) {
    PropertySheet sheet = robot.lookup("#train-sheet").queryAs(PropertySheet.class);
    assertThat(sheet.getItems()).extracting(PropertySheet.Item::getName)
        .contains("learning_rate", "lora_rank").doesNotContain("beta");
    assertThat(model.item("learning_rate").getValue()).isEqualTo(2e-5);
    assertThat(model.item("learning_rate").getDescription()).contains("learning rate");
    robot.interact(() -> model.kindProperty().set(TrainKind.DPO));
    assertThat(sheet.getItems()).extracting(PropertySheet.Item::getName)
        .contains("beta", "loss_type");
    assertThat(model.item("learning_rate").getValue()).isEqualTo(5e-7);
    // starting without data names what is missing
    robot.clickOn("#train-start");
    WaitForAsyncUtils.waitForFxEvents();
    assertThat(robot.lookup("#train-error").queryLabeled().getText())
        .contains("dataset_mixer_list");
    robot.interact(() -> model.item("max_train_steps").setValue("many"));
    assertThat(model.errorProperty().get()).contains("max_train_steps");
  }

  @Test
  void aConfigErrorIsOneMessageAndCreatesNoRun(FxRobot robot) throws Exception {
    robot.interact(() -> {
      model.modelProperty().set("no-such-model");
      model.dataProperty().set("samples/chat-stories.jsonl,1.0");
    });
    robot.clickOn("#train-start");
    WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !model.errorProperty().get().isEmpty());
    assertThat(model.errorProperty().get()).contains("'no-such-model'")
        .contains("Models page").doesNotContain("temper ");
    // the message goes once the form changes
    robot.interact(() -> model.modelProperty().set(STORIES.toString()));
    assertThat(model.errorProperty().get()).isEmpty();
    robot.interact(() -> model.dataProperty().set("nowhere,1.0"));
    robot.clickOn("#train-start");
    WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !model.errorProperty().get().isEmpty());
    assertThat(model.errorProperty().get()).contains("'nowhere'").contains("Datasets page");
    // preference data for SFT, and max_seq_length 1
    robot.interact(() -> model.dataProperty().set("samples/prefs-kindness.jsonl,1.0"));
    robot.clickOn("#train-start");
    WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !model.errorProperty().get().isEmpty());
    assertThat(model.errorProperty().get()).contains("holds preference rows");
    robot.interact(() -> {
      model.dataProperty().set("samples/chat-stories.jsonl,1.0");
      model.item("max_seq_length").setValue(1);
    });
    robot.clickOn("#train-start");
    WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !model.errorProperty().get().isEmpty());
    assertThat(model.errorProperty().get()).contains("max_seq_length");
    assertThat(workbench.db().runs().list()).isEmpty();
    assertThat(model.resumableProperty().get()).isFalse();
  }

  @Test
  void theDatasetMenuAddsOnlyTheDatasetChosen(FxRobot robot) throws Exception {
    for (String n : java.util.List.of("alpha", "beta", "gamma")) {
      new ai.temper.engine.data.DatasetImporter(workbench.db()).importFile(
          Path.of("samples/chat-stories.jsonl"), new ai.temper.engine.data.DatasetImporter
              .Options(n, ai.temper.engine.data.DataFormat.AUTO,
              ai.temper.engine.data.DatasetImporter.OnError.ABORT),
          ai.temper.engine.jobs.JobContext.none());
    }
    robot.interact(model::refresh);
    var menu = robot.lookup("#train-datasets").queryAs(javafx.scene.control.MenuButton.class);
    WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> menu.getItems().size() == 3);
    robot.clickOn(menu);
    robot.type(javafx.scene.input.KeyCode.DOWN, 3);
    assertThat(model.dataProperty().get()).isEmpty(); // passing over adds nothing
    robot.type(javafx.scene.input.KeyCode.ENTER);
    WaitForAsyncUtils.waitForFxEvents();
    assertThat(model.dataProperty().get()).matches("(alpha|beta|gamma),1\\.0");
  }

  @Test
  void startsARunDrawsItsLossAndCancelsIntoAResumableCheckpoint(FxRobot robot)
      throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(STORIES),
        "../shared/models/stories260K is absent: skipping");
    robot.interact(() -> {
      model.modelProperty().set(STORIES.toString());
      model.dataProperty().set("samples/chat-stories.jsonl,1.0");
      model.item("max_train_steps").setValue("400");
      model.item("per_device_train_batch_size").setValue(2);
      model.item("max_seq_length").setValue(96);
      model.item("learning_rate").setValue(1e-3);
      model.item("save_steps").setValue(0);
      model.item("eval_steps").setValue(0);
    });
    robot.clickOn("#train-start");
    waitUntil(() -> view.lossChart().pointCount("loss") >= 2);
    int seen = view.lossChart().pointCount("loss");
    waitUntil(() -> view.lossChart().pointCount("loss") > seen);
    assertThat(model.runningProperty().get()).isTrue();
    assertThat(view.metricsChart().pointCount("learning_rate")).isPositive();

    robot.clickOn("#train-cancel");
    waitUntil(() -> !model.runningProperty().get());
    assertThat(model.statusProperty().get()).contains("cancelled");
    long id = model.runIdProperty().get();
    assertThat(workbench.db().runs().find(id).orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
    RunsViewModel runs = new RunsViewModel(workbench);
    robot.interact(() -> runs.picked().setAll(workbench.db().runs().find(id).orElseThrow()));
    assertThat(runs.pickedCheckpoint()).isPresent();
    Path[] opened = new Path[1];
    runs.setOpenInChat(p -> opened[0] = p);
    runs.openInChat().get(30, TimeUnit.SECONDS);
    assertThat(opened[0]).isEqualTo(runs.pickedCheckpoint().orElseThrow());
    assertThat(opened[0].resolve("config.json")).exists();
    assertThat(robot.lookup("#train-resume").queryButton().isDisabled()).isFalse();
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) {
    try {
      WaitForAsyncUtils.waitFor(90, TimeUnit.SECONDS, condition::getAsBoolean);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("condition not met in 90 s", e);
    }
  }
}
