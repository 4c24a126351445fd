package ai.temper.app;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.views.shell.ShellView;
import ai.temper.views.shell.ShellViewModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Control;
import javafx.scene.control.Labeled;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The main pages at the smallest supported window, 1024 x 680: no label, button, table
 * header or cell shows its text cut to "..." unless a tooltip gives the whole text.
 */
@ExtendWith(ApplicationExtension.class)
class LayoutTest {
  static final List<String> PAGES = List.of("welcome", "datasets", "annotate", "train",
      "recipes", "runs", "chat", "evaluate", "models");
  private Path home;
  private Workbench workbench;
  private ShellViewModel model;

  @Start
  void start(Stage stage) throws Exception {
    home = Files.createTempDirectory("temper-layout");
    workbench = Workbench.open(home);
    long run = workbench.db().runs().create("sft", "sft stories260K", "seed: 1",
        "/some/where/models/stories260K/stories260K.bin", "chat.jsonl,1.0", null);
    workbench.db().metrics().log(List.of(new Metric(run, 1, "loss", 2.0),
        new Metric(run, 2, "loss", 1.5)));
    model = TemperApp.shell(workbench, d -> { });
    stage.setScene(TemperApp.scene(new ShellView(model), 1024, 680));
    stage.show();
  }

  @AfterEach
  void close() {
    model.close();
    workbench.close();
  }

  @Test
  void nothingIsElidedOnTheMainPagesAt1024x680(FxRobot robot) {
    List<String> elided = new ArrayList<>();
    for (String page : PAGES) {
      robot.clickOn("#nav-" + page);
      WaitForAsyncUtils.waitForFxEvents();
      robot.sleep(300);
      WaitForAsyncUtils.waitForFxEvents();
      robot.interact(() -> {
        Parent root = robot.lookup("#nav-" + page).query().getScene().getRoot();
        root.applyCss();
        root.layout();
        collect(root, page, elided);
      });
    }
    // the Models page's dialogs
    for (String button : List.of("#models-add", "#models-create")) {
      robot.clickOn("#nav-models");
      robot.clickOn(button);
      WaitForAsyncUtils.waitForFxEvents();
      robot.sleep(300);
      List<javafx.stage.Window> shown = new ArrayList<>();
      robot.interact(() -> {
        for (javafx.stage.Window w : javafx.stage.Window.getWindows()) {
          if (w.getScene() != null && w.isShowing()) {
            shown.add(w);
            w.getScene().getRoot().applyCss();
            w.getScene().getRoot().layout();
            collect(w.getScene().getRoot(), button, elided);
          }
        }
      });
      assertThat(shown).as(button + " opens a dialog").hasSizeGreaterThanOrEqualTo(2);
      robot.type(javafx.scene.input.KeyCode.ESCAPE);
      WaitForAsyncUtils.waitForFxEvents();
    }
    assertThat(elided).as("texts cut short at 1024x680").isEmpty();
  }

  /** Labeled nodes on screen whose rendered text differs from their text, with no tooltip. */
  static void collect(Node n, String page, List<String> out) {
    if (!n.isVisible()) {
      return;
    }
    if (n instanceof Labeled l && l.getText() != null && !l.getText().isEmpty()
        && l.getScene() != null && l.getWidth() > 0) {
      for (Node t : l.getChildrenUnmodifiable()) {
        // the skin's own text node (a graphic may hold texts of its own)
        if (t instanceof Text text && t.getStyleClass().contains("text")
            && !text.getText().equals(l.getText()) && !hasTooltip(l)) {
          out.add(page + ": " + l.getClass().getSimpleName() + " '" + l.getText()
              + "' shown as '" + text.getText() + "'");
        }
      }
    }
    if (n instanceof Parent p) {
      for (Node c : p.getChildrenUnmodifiable()) {
        collect(c, page, out);
      }
    }
  }

  private static boolean hasTooltip(Node n) {
    for (Node x = n; x != null; x = x.getParent()) {
      if (x instanceof Control c && c.getTooltip() != null) {
        return true;
      }
    }
    return false;
  }
}
