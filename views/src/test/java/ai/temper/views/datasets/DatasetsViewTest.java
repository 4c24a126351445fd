package ai.temper.views.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TableRow;
import javafx.scene.control.TextField;
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

/** The Datasets page in a real (headless) window, driven by TestFX. */
@ExtendWith(ApplicationExtension.class)
class DatasetsViewTest {
  static final Path HH = Path.of("../shared/data/hh-rlhf/harmless-base-test.jsonl.gz");

  @TempDir Path home;
  Workbench workbench;
  DatasetsViewModel model;

  @Start
  void start(Stage stage) {
    workbench = Workbench.open(home.resolve("home"));
    model = new DatasetsViewModel(workbench);
    DatasetsView view = new DatasetsView(model);
    stage.setScene(new Scene((Parent) view.getRoot(), 1280, 800));
    stage.show();
  }

  @AfterEach
  void close() throws TimeoutException {
    FxToolkit.cleanupStages();
    workbench.close();
  }

  static void waitUntil(BooleanSupplier condition) throws TimeoutException {
    WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, condition::getAsBoolean);
    WaitForAsyncUtils.waitForFxEvents();
  }

  private String text(FxRobot robot, String id) {
    return robot.lookup(id).queryAs(Label.class).getText();
  }

  @Test
  void importThroughTheDialogThenPageSearchAndOpenAPair(FxRobot robot) throws Exception {
    assumeTrue(Files.isRegularFile(HH), "../shared/data/hh-rlhf is absent");
    robot.clickOn("#importButton");
    TextField file = robot.lookup("#importFile").queryAs(TextField.class);
    // a native file chooser cannot be driven headless: the path goes into the field
    robot.interact(() -> file.setText(HH.toAbsolutePath().toString()));
    TextField name = robot.lookup("#importName").queryAs(TextField.class);
    assertThat(name.getText()).isEqualTo("harmless-base-test"); // suggested from the file
    robot.clickOn("#importName").push(KeyCode.CONTROL, KeyCode.A).write("hh");
    assertThat(name.getText()).isEqualTo("hh");
    robot.clickOn("#importStart");
    waitUntil(() -> model.importModel().succeededProperty().get());
    assertThat(text(robot, "#importMessage")).startsWith("Imported 2,312 rows (hh)");
    robot.clickOn("#importClose");

    // the new dataset is listed and selected, its first page shown
    waitUntil(() -> model.examples().size() == 50);
    ListView<?> list = robot.lookup("#datasetList").queryAs(ListView.class);
    assertThat(list.getItems()).hasSize(1);
    assertThat(list.getSelectionModel().getSelectedIndex()).isZero();
    assertThat(text(robot, "#pageLabel")).isEqualTo("Page 1 of 47 · 2,312 examples");
    assertThat(model.examples().get(0).idx()).isZero();

    robot.clickOn("#next");
    waitUntil(() -> model.examples().get(0).idx() == 50);
    assertThat(text(robot, "#pageLabel")).startsWith("Page 2 of 47");
    robot.clickOn("#prev");
    waitUntil(() -> model.examples().get(0).idx() == 0);

    // search: every row on the page contains the words
    robot.clickOn("#search").write("pen prank").type(KeyCode.ENTER);
    waitUntil(() -> model.queryProperty().get().equals("pen prank")
        && !model.loadingProperty().get());
    assertThat(text(robot, "#pageLabel")).matches("Page 1 of \\d+ · [\\d,]+ matches");
    assertThat(model.matchesProperty().get()).isBetween(1L, 2311L);
    for (ExampleRow r : model.examples()) {
      String all = r.example().allText().toLowerCase(Locale.ROOT);
      assertThat(all).contains("pen", "prank");
    }

    // open the first pair: prompt as bubbles, the two answers side by side
    TableRow<?> firstRow = robot.lookup("#examples .table-row-cell")
        .match((TableRow<?> r) -> r.getIndex() == 0 && r.isVisible()).query();
    ExampleRow opened = (ExampleRow) firstRow.getItem();
    assertThat(opened).isSameAs(model.examples().get(0));
    robot.clickOn(firstRow);
    waitUntil(() -> model.selectedExampleProperty().get() != null);
    assertThat(opened.example().kind()).isEqualTo(DatasetKind.PREFERENCE);
    Node chosen = robot.lookup("#chosen").query();
    Node rejected = robot.lookup("#rejected").query();
    assertThat(chosen.isVisible()).isTrue();
    assertThat(labels(robot, "#chosen")).contains(last(opened.example().chosen()).content());
    assertThat(labels(robot, "#rejected")).contains(last(opened.example().rejected())
        .content());
    // side by side: same row, chosen on the left
    assertThat(chosen.localToScene(0, 0).getY()).isEqualTo(rejected.localToScene(0, 0).getY());
    assertThat(chosen.localToScene(0, 0).getX()).isLessThan(rejected.localToScene(0, 0).getX());
    assertThat(robot.lookup("#detail .bubble-user").queryAll()).isNotEmpty();

    // statistics with their histogram
    robot.clickOn("Statistics");
    robot.clickOn("#computeStats");
    waitUntil(() -> model.statisticsProperty().get() != null);
    assertThat(robot.lookup(".length-chart").queryAll()).hasSize(4); // user, assistant, chosen, rejected
    assertThat(robot.lookup("#lengthChart-chosen").tryQuery()).isPresent();
    assertThat(text(robot, "#statsSummary")).contains("2,312 examples", "chosen:", "rejected:");
  }

  private static Message last(List<Message> messages) {
    return messages.get(messages.size() - 1);
  }

  private static List<String> labels(FxRobot robot, String parent) {
    List<String> out = new ArrayList<>();
    for (Node n : robot.lookup(parent + " .bubble-text").queryAll()) {
      out.add(((Label) n).getText());
    }
    return out;
  }

  @Test
  void anAbortedImportShowsEveryMalformedLineAndAddsNoDataset(FxRobot robot) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      lines.add(i % 200 == 0 ? "{\"messages\": 5}" : "{\"messages\": [{\"role\": \"user\", "
          + "\"content\": \"q" + i + "\"}]}");
    }
    Path f = home.resolve("bad.jsonl");
    Files.write(f, lines);
    robot.clickOn("#importButton");
    robot.interact(() -> {
      model.importModel().fileProperty().set(f.toString());
      model.importModel().onErrorProperty().set(
          ai.temper.engine.data.DatasetImporter.OnError.ABORT);
    });
    robot.clickOn("#importStart");
    waitUntil(() -> !model.importModel().runningProperty().get()
        && model.importModel().errors().size() == 5);
    assertThat(model.importModel().errors()).containsExactly(
        "line 200: 'messages' is not a list of messages (found a number)",
        "line 400: 'messages' is not a list of messages (found a number)",
        "line 600: 'messages' is not a list of messages (found a number)",
        "line 800: 'messages' is not a list of messages (found a number)",
        "line 1000: 'messages' is not a list of messages (found a number)");
    assertThat(text(robot, "#importMessage")).contains("5 malformed rows, nothing imported");
    assertThat(model.importModel().succeededProperty().get()).isFalse();
    robot.clickOn("#refreshButton");
    WaitForAsyncUtils.waitForFxEvents();
    assertThat(workbench.db().datasets().list()).isEmpty();
    assertThat(model.datasets()).isEmpty();
  }
}
