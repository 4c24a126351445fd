package ai.temper.views.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.eval.ResultTable.Pair;
import ai.temper.engine.eval.ResultTable.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Evaluate page in a window: two checkpoints' bars, and where they differ. */
@ExtendWith(ApplicationExtension.class)
class EvaluateViewTest {
  Path home;
  Workbench workbench;
  EvaluateViewModel model;
  EvaluateView view;
  long run;

  @Start
  void start(Stage stage) throws IOException {
    home = Files.createTempDirectory("temper-evaluate-home");
    workbench = Workbench.open(home);
    run = EvalFixtures.store(workbench);
    model = new EvaluateViewModel(workbench);
    view = new EvaluateView(model);
    stage.setScene(new Scene(view, 1200, 800));
    stage.show();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = 0; i < 3; i++) {
      WaitForAsyncUtils.waitForFxEvents();
      Thread.sleep(100);
    }
    workbench.close();
    try (Stream<Path> s = Files.walk(home)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void twoCheckpointsBarsAndTheInstancesWhereTheyDiffer(FxRobot robot) throws Exception {
    robot.interact(model::refresh);
    TableView<Row> table = robot.lookup("#evaluate-table").queryTableView();
    waitUntil(() -> table.getItems().size() == 2);
    // the unseen task's column is marked (its header appears with the header row's next
    // layout pass, which may come after the rows: waiting fails if it never does)
    waitUntil(() -> robot.lookup(".unseen").tryQuery().isPresent());

    robot.clickOn(cell("step-10 (run " + run + ", step 10)"));
    robot.press(KeyCode.SHORTCUT).clickOn(cell("step-20 (run " + run + ", step 20)"))
        .release(KeyCode.SHORTCUT);
    waitUntil(() -> view.bars().seriesCount() == 2);
    assertThat(view.bars().barCount()).isEqualTo(3); // both on cloze, the later one on held-out
    assertThat(robot.lookup("#evaluate-bars").query().isVisible()).isTrue();

    robot.clickOn("Instances");
    TableView<Pair> instances = robot.lookup("#evaluate-instances").queryTableView();
    waitUntil(() -> instances.getItems().size() == 3);
    assertThat(instances.getItems()).extracting(Pair::idx).containsExactly(1L, 4L, 7L);
    for (Pair p : instances.getItems()) {
      int i = (int) p.idx();
      assertThat(EvalFixtures.EARLY[i]).isNotEqualTo(EvalFixtures.LATE[i]);
    }
    // exactly the differing ones: every other index scores the same on both
    for (int i = 0; i < 10; i++) {
      boolean listed = i == 1 || i == 4 || i == 7;
      assertThat(EvalFixtures.EARLY[i] != EvalFixtures.LATE[i]).isEqualTo(listed);
    }
    robot.interact(() -> instances.getSelectionModel().select(0));
    TextArea a = robot.lookup("#evaluate-output-a").queryAs(TextArea.class);
    TextArea b = robot.lookup("#evaluate-output-b").queryAs(TextArea.class);
    assertThat(a.getText()).isEqualTo("answer 1 from step 10");
    assertThat(b.getText()).isEqualTo("answer 1 from step 20");

    Path png = home.resolve("bars.png");
    robot.interact(() -> view.tabs().getSelectionModel().select(0));
    robot.interact(() -> view.exportChart(png));
    waitUntil(() -> Files.exists(png) && png.toFile().length() > 1000);
  }

  private static java.util.function.Predicate<Node> cell(String text) {
    return n -> n instanceof TableCell<?, ?> c && text.equals(c.getText());
  }

  static void waitUntil(BooleanSupplier condition) throws Exception {
    WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> {
      WaitForAsyncUtils.waitForFxEvents();
      return condition.getAsBoolean();
    });
  }
}
