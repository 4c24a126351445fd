package ai.temper.views.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Annotate page in a real (headless) window: an annotator labels 10 pairs by keyboard;
 * the database file as it is on disk at that moment (what a process killed with SIGKILL
 * leaves, since every label is committed as it is given) holds all 10 labels, and the page
 * opened on it resumes at pair 11.
 */
@ExtendWith(ApplicationExtension.class)
class AnnotateViewTest {
  @TempDir Path dir;
  Workbench workbench;
  AnnotateViewModel model;
  Stage stage;

  @Start
  void start(Stage stage) {
    this.stage = stage;
    workbench = Workbench.open(dir.resolve("home"));
    new Annotations(workbench.db()).create("study", null, "test", List.of("ann"), 0, 9, null,
        null, null, AnnotateViewModelTest.pairs(14));
    model = new AnnotateViewModel(workbench);
    stage.setScene(new Scene(new AnnotateView(model), 1200, 800));
    stage.show();
  }

  @AfterEach
  void close() throws TimeoutException {
    FxToolkit.cleanupStages();
    model.close();
    workbench.close();
  }

  static void waitUntil(BooleanSupplier condition) throws TimeoutException {
    WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, condition::getAsBoolean);
    WaitForAsyncUtils.waitForFxEvents();
  }

  @Test
  void tenPairsByKeyboardSurviveAKillAndTheSessionResumesAtPairEleven(FxRobot robot)
      throws Exception {
    openSession(robot, model);
    waitUntil(() -> model.totalProperty().get() == 14);
    assertThat(robot.lookup("#annotate-legend").queryAs(Label.class).getText())
        .contains("1 left", "2 right", "3 tie", "4 both bad", "S skip", "U undo");
    assertThat(robot.lookup("#annotate-counts").queryAs(Label.class).getText())
        .isEqualTo("0 of 14 answered · pair 1");
    String firstLeft = robot.lookup("#annotate-left").queryAs(Label.class).getText();
    assertThat(firstLeft).isNotBlank();

    robot.clickOn("#annotate-prompt");
    KeyCode[] keys = {KeyCode.DIGIT1, KeyCode.DIGIT2, KeyCode.DIGIT3, KeyCode.DIGIT4,
        KeyCode.DIGIT1, KeyCode.DIGIT2, KeyCode.DIGIT2, KeyCode.DIGIT1, KeyCode.DIGIT3,
        KeyCode.DIGIT1};
    for (KeyCode k : keys) {
      robot.type(k);
    }
    waitUntil(() -> model.labelledProperty().get() == 10);
    assertThat(robot.lookup("#annotate-counts").queryAs(Label.class).getText())
        .isEqualTo("10 of 14 answered · pair 11");
    // every answer is committed as it is given: wait for the writes, not for a close
    waitUntil(() -> labels(workbench.db()) == 10);

    // what a SIGKILL leaves: the database file as it is on disk now, the process still open
    Path crashed = dir.resolve("after-kill");
    Files.createDirectories(crashed);
    Files.copy(dir.resolve("home").resolve(Database.FILE_NAME),
        crashed.resolve(Database.FILE_NAME));
    try (Workbench reopened = Workbench.open(crashed)) {
      Annotations an = new Annotations(reopened.db());
      SessionRow s = an.require("study");
      assertThat(an.labels(s)).hasSize(10)
          .extracting(l -> l.choice()).containsOnly("a", "b", "tie", "both_bad");
      assertThat(Annotations.resumeAt(an.queue(s, "ann"))).isEqualTo(10);

      AnnotateViewModel resumed = new AnnotateViewModel(reopened);
      robot.interact(() -> stage.getScene().setRoot(new AnnotateView(resumed)));
      openSession(robot, resumed);
      waitUntil(() -> resumed.labelledProperty().get() == 10);
      assertThat(robot.lookup("#annotate-counts").queryAs(Label.class).getText())
          .isEqualTo("10 of 14 answered · pair 11");
      robot.interact(() -> stage.getScene().setRoot(new Label("closed")));
      resumed.close();
    }
  }

  /**
   * Refreshes the page, waits for it, then picks the session, each step on the FX thread and
   * none nested in another's callback (a nested interact from the FX thread can stall).
   */
  private static void openSession(FxRobot robot, AnnotateViewModel m) throws Exception {
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<?>> f =
        new java.util.concurrent.atomic.AtomicReference<>();
    robot.interact(() -> f.set(m.refresh()));
    f.get().get(60, TimeUnit.SECONDS);
    robot.interact(() -> m.selectSession("study"));
  }

  private static long labels(Database db) {
    return db.annotations().sessions().stream().mapToLong(s -> s.labels()).sum();
  }
}
