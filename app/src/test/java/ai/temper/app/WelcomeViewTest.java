package ai.temper.app;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.views.shell.ShellView;
import ai.temper.views.shell.ShellViewModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.ListView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * First start: an empty home opens on the welcome; one click loads the samples (the story
 * world written and imported as a job), and the Datasets page then lists them.
 */
@ExtendWith(ApplicationExtension.class)
class WelcomeViewTest {
  private Path home;
  private Workbench workbench;
  private ShellViewModel model;

  @Start
  void start(Stage stage) throws Exception {
    home = Files.createTempDirectory("temper-welcome");
    workbench = Workbench.open(home);
    model = TemperApp.shell(workbench, d -> { });
    model.select(Pages.firstPage(workbench, Optional.of("runs")));
    stage.setScene(TemperApp.scene(new ShellView(model), 1024, 680));
    stage.show();
  }

  @AfterEach
  void close() {
    model.close();
    workbench.close();
  }

  @Test
  void anEmptyHomeOpensOnTheWelcomeWhichLoadsTheSamplesIntoTheDatasetsPage(FxRobot robot)
      throws Exception {
    assertThat(model.selectedProperty().get().id()).isEqualTo("welcome");
    Node open = robot.lookup("#welcome-open-datasets").query();
    assertThat(open.getParent().isVisible()).isFalse();

    robot.clickOn("#welcome-load-samples");
    WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> open.getParent().isVisible());
    WaitForAsyncUtils.waitForFxEvents();
    assertThat(robot.lookup("#welcome-status").queryLabeled().getText())
        .startsWith("Loaded 5 datasets");
    assertThat(robot.lookup("#welcome-error").queryLabeled().getText()).isEmpty();

    robot.clickOn("#welcome-open-datasets");
    WaitForAsyncUtils.waitForFxEvents();
    assertThat(model.selectedProperty().get().id()).isEqualTo("datasets");
    ListView<DatasetInfo> list = robot.lookup("#datasetList").queryListView();
    WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> list.getItems().size() == 5);
    assertThat(list.getItems()).extracting(DatasetInfo::name).contains("world-sft",
        "world-prefs", "world-rlvr-train", "world-pretrain", "world-rlvr-heldout");
    // a home with content opens on its usual page
    assertThat(Pages.firstPage(workbench, Optional.of("runs"))).isEqualTo("runs");
    assertThat(Pages.firstPage(workbench, Optional.of("welcome"))).isEqualTo("datasets");
  }
}
