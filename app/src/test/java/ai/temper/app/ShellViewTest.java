package ai.temper.app;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.jobs.JobState;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import ai.temper.views.runs.RunsView;
import ai.temper.views.shell.ShellView;
import ai.temper.views.shell.ShellViewModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.Labeled;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The main window over a real H2 home: navigation, pages from the database, job status bar. */
@ExtendWith(ApplicationExtension.class)
class ShellViewTest {
  private Path home;
  private Workbench workbench;
  private ShellViewModel model;
  private long runA;

  @Start
  void start(Stage stage) throws Exception {
    home = Files.createTempDirectory("temper-shell");
    workbench = Workbench.open(home);
    runA = workbench.db().runs().create("sft", "tulu-mini", "seed: 1", "stories260K", "gsm8k",
        null);
    long runB = workbench.db().runs().create("dpo", "dpo-mini", "beta: 0.1", "stories260K",
        "hh", null);
    for (int s = 1; s <= 5; s++) {
      workbench.db().metrics().log(List.of(new Metric(runA, s, "loss", 3.0 / s),
          new Metric(runB, s, "loss", 2.0 / s)));
    }
    model = TemperApp.shell(workbench, d -> { });
    stage.setScene(TemperApp.scene(new ShellView(model), 1200, 800));
    stage.show();
  }

  @AfterEach
  void close() {
    model.close();
    workbench.close();
  }

  @Test
  void navigationShowsEveryPageAndRunsComeFromTheDatabase(FxRobot robot) {
    for (String id : List.of("welcome", "datasets", "annotate", "train", "recipes", "runs",
        "rollouts", "chat", "evaluate", "models")) {
      assertThat(robot.lookup("#nav-" + id).tryQuery()).as(id).isPresent();
    }
    robot.clickOn("#nav-runs");
    WaitForAsyncUtils.waitForFxEvents();
    TableView<Run> table = robot.lookup("#runs-table").queryTableView();
    waitUntil(() -> table.getItems().size() == 2);
    assertThat(table.getItems()).extracting(Run::name).containsExactly("dpo-mini", "tulu-mini");

    robot.interact(() -> table.getSelectionModel().selectAll());
    RunsView runs = (RunsView) model.selectedProperty().get().view();
    waitUntil(() -> runs.chart().seriesCount() == 2);
    assertThat(runs.chart().pointCount("#" + runA + " tulu-mini")).isEqualTo(5);
  }

  @Test
  void resumingARunFromRunsGoesToTrainAndRunsKeepsItsPick(FxRobot robot) {
    robot.clickOn("#nav-runs");
    TableView<Run> table = robot.lookup("#runs-table").queryTableView();
    waitUntil(() -> table.getItems().size() == 2);
    workbench.db().runs().finish(runA, RunStatus.FAILED, "stopped");
    robot.interact(() -> table.getSelectionModel().select(1));
    RunsView runs = (RunsView) model.selectedProperty().get().view();
    waitUntil(() -> runs.chart().seriesCount() == 1);
    // a refresh (as when a run finishes) keeps the pick and its curve
    robot.clickOn("Refresh");
    waitUntil(() -> table.getItems().get(1).status() == RunStatus.FAILED);
    assertThat(table.getSelectionModel().getSelectedItem().id()).isEqualTo(runA);
    assertThat(runs.chart().seriesCount()).isEqualTo(1);
    robot.clickOn("#runs-resume");
    waitUntil(() -> model.selectedProperty().get().id().equals("train"));
  }

  @Test
  void statusBarListsARunningJobAndCancelsIt(FxRobot robot) throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    JobHandle<Void> job = workbench.jobs().submit("test", "Importing gsm8k", ctx -> {
      ctx.progress(0.4, "row 400 of 1000");
      started.countDown();
      while (true) {
        ctx.checkCancelled();
        Thread.sleep(10);
      }
    });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    waitUntil(() -> robot.lookup(".job").tryQuery().isPresent());
    ProgressBar bar = robot.lookup(".job .progress-bar").queryAs(ProgressBar.class);
    // the item can show before the job's first report reaches it (indeterminate until then)
    waitUntil(() -> bar.getProgress() == 0.4);
    assertThat(bar.getProgress()).isEqualTo(0.4);
    // the message may reach the label a pulse after the progress reached the bar
    waitUntil(() -> robot.lookup(".job .label").queryLabeled().getText()
        .contains("row 400 of 1000"));
    assertThat(robot.lookup(".job .label").queryLabeled().getText())
        .contains("Importing gsm8k").contains("row 400 of 1000");
    robot.clickOn(robot.lookup(".job .button").queryAs(Button.class));
    job.future().handle((v, e) -> null).get(10, TimeUnit.SECONDS);
    assertThat(job.state()).isEqualTo(JobState.CANCELLED);
    waitUntil(() -> robot.lookup(".job").tryQuery().isEmpty());
    assertThat(robot.lookup("No jobs running").tryQueryAs(Labeled.class)).isPresent();
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) {
    try {
      WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, condition::getAsBoolean);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("condition not met in 10 s", e);
    }
  }
}
