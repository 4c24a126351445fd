package ai.temper.views.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.RolloutRepository;
import ai.temper.engine.store.RolloutRepository.Rollout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.FlowPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Rollouts page in a window: rows from the database, a completion's coloured tokens. */
@ExtendWith(ApplicationExtension.class)
class RolloutsViewTest {
  Workbench workbench;
  RolloutsViewModel model;

  @Start
  void start(Stage stage) throws IOException {
    Path home = Files.createTempDirectory("temper-rollouts-home");
    workbench = Workbench.open(home);
    long run = workbench.db().runs().create("grpo", "story", "kind: grpo\n", "m", "d", null);
    new RolloutRepository(workbench.db().sql()).add(List.of(
        new Rollout(0, run, 1, 0, 0, "Write a story about Lily.", "Lily had a ball", 10, 1.0,
            "pass", "ifeval", 1.2, "EOS", 4, "{\"tokens\": [\"Lily\", \" had\", \" a\", "
                + "\" ball\"], \"advantages\": [1.2, 1.2, 1.2, 1.2], \"log_ratios\": "
                + "[0.3, -0.1, 0, 0.05]}"),
        new Rollout(0, run, 1, 0, 1, "Write a story about Lily.", "Tom ran", 0, 0.0, "fail",
            "ifeval", -1.2, "EOS", 2, "{\"tokens\": [\"Tom\", \" ran\"], \"advantages\": "
                + "[-1.2, -1.2], \"log_ratios\": [0, 0]}")));
    model = new RolloutsViewModel(workbench);
    stage.setScene(new Scene(new RolloutsView(model), 1100, 700));
    stage.show();
  }

  @AfterEach
  void close() {
    workbench.close();
  }

  @Test
  void showsRolloutsAndColoursTheChosenCompletion(FxRobot robot) throws Exception {
    model.refresh().get(30, TimeUnit.SECONDS);
    WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> model.rollouts().size() == 2);
    WaitForAsyncUtils.waitForFxEvents();
    TableView<?> table = robot.lookup("#rollouts-table").queryAs(TableView.class);
    assertThat(table.getItems()).hasSize(2);
    robot.interact(() -> table.getSelectionModel().select(1));
    WaitForAsyncUtils.waitForFxEvents();
    FlowPane tokens = robot.lookup("#rollouts-tokens").queryAs(FlowPane.class);
    assertThat(tokens.getChildren()).extracting(n -> ((Label) n).getText())
        .containsExactly("Tom", " ran");
    assertThat(((Label) tokens.getChildren().get(0)).getStyle()).contains("rgba(210,60,60");
    robot.interact(() -> {
      table.getSelectionModel().select(0);
      robot.lookup("#rollouts-by-ratio").queryAs(ToggleButton.class).setSelected(true);
    });
    WaitForAsyncUtils.waitForFxEvents();
    assertThat(tokens.getChildren()).hasSize(4);
    // log-ratio colouring: + green, - red, 0 transparent
    assertThat(((Label) tokens.getChildren().get(0)).getStyle()).contains("rgba(40,170,80,0.60)");
    assertThat(((Label) tokens.getChildren().get(1)).getStyle()).contains("rgba(210,60,60");
  }
}
