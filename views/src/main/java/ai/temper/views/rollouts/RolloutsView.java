package ai.temper.views.rollouts;

import ai.temper.engine.store.RolloutRepository.Rollout;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.TablePage;
import ai.temper.views.rollouts.RolloutsViewModel.ColouredToken;
import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

/**
 * Recent rollouts of a GRPO or PPO run with reward and verdict; below, the chosen completion
 * with each token shaded by its advantage (green reinforced, red discouraged) or by the
 * policy-vs-reference log-ratio (green: now likelier than under the reference). Shortcut-R
 * reloads, Shortcut-L toggles the colouring.
 */
public final class RolloutsView extends BorderPane {
  public RolloutsView(RolloutsViewModel model) {
    TablePage<Rollout> page = new TablePage<>("Rollouts",
        "What reinforcement learning sampled, how it was rewarded and what it reinforces. "
            + "Pick a rollout to see its tokens coloured.",
        model.rollouts(), "No rollouts: train with GRPO or PPO (Train page or `temper train grpo`).");
    page.column("Step", Rollout::step, 50);
    page.column("Prompt", Rollout::prompt, 240);
    page.column("#", Rollout::sampleIdx, 30);
    page.column("Completion", r -> r.completion().replace('\n', ' '), 360);
    page.column("Reward", r -> String.format(Locale.ROOT, "%.3f", r.reward()), 70);
    page.column("Verdict", r -> r.verdict() == null ? "" : r.verdict(), 60);
    page.column("Advantage", r -> r.advantage() == null ? "dropped"
        : String.format(Locale.ROOT, "%+.3f", r.advantage()), 80);
    page.column("End", Rollout::finishReason, 90);
    page.action("Refresh", model::refresh);
    page.table().setId("rollouts-table");
    page.table().getSelectionModel().selectedItemProperty().addListener(
        (obs, old, now) -> {
          if (now != null) {
            model.selectedProperty().set(now);
          }
        });

    ComboBox<Run> run = new ComboBox<>(model.runs());
    run.setId("rollouts-run");
    run.valueProperty().bindBidirectional(model.runProperty());
    run.setConverter(new StringConverter<>() {
      @Override
      public String toString(Run r) {
        return r == null ? "" : r.kind().toUpperCase(Locale.ROOT) + " run " + r.id()
            + (r.name() == null ? "" : " (" + r.name() + ")") + " — " + r.status();
      }

      @Override
      public Run fromString(String s) {
        return null;
      }
    });
    ToggleButton byRatio = new ToggleButton("Colour by log-ratio");
    byRatio.setId("rollouts-by-ratio");
    byRatio.setTooltip(new Tooltip("Advantage (what the update pushes) or log pi - log ref "
        + "(what training has changed so far); shortcut L"));
    byRatio.selectedProperty().bindBidirectional(model.byLogRatioProperty());
    Label summary = new Label();
    summary.textProperty().bind(model.summaryProperty());
    Label error = new Label();
    error.getStyleClass().add("error-text");
    error.textProperty().bind(model.errorProperty());
    HBox bar = new HBox(8, new Label("Run"), run, byRatio, summary, error);
    bar.setPadding(new Insets(8, 0, 8, 0));

    FlowPane tokens = new FlowPane();
    tokens.setId("rollouts-tokens");
    tokens.setPadding(new Insets(8));
    Label legend = new Label();
    model.tokens().addListener((ListChangeListener<ColouredToken>) c -> {
      tokens.getChildren().clear();
      for (ColouredToken t : model.tokens()) {
        Label l = new Label(t.text().replace("\n", "⏎"));
        l.setStyle("-fx-background-color: " + shade(t.weight()) + "; -fx-padding: 1 0 1 0;"
            + " -fx-font-family: monospace;");
        l.setTooltip(new Tooltip(String.format(Locale.ROOT, "%s %+.4f",
            model.byLogRatioProperty().get() ? "log-ratio" : "advantage", t.value())));
        tokens.getChildren().add(l);
      }
      legend.setText(model.byLogRatioProperty().get()
          ? "green: likelier under the policy than the reference; red: less likely"
          : "green: reinforced (positive advantage); red: discouraged");
    });
    ScrollPane scroll = new ScrollPane(tokens);
    scroll.setFitToWidth(true);
    VBox detail = new VBox(4, bar, legend, scroll);
    detail.setPadding(new Insets(0, 8, 8, 8));

    SplitPane split = new SplitPane(page, detail);
    split.setOrientation(Orientation.VERTICAL);
    split.setDividerPositions(0.55);
    setCenter(split);
    getStyleClass().add("page");
    sceneProperty().addListener((obs, old, scene) -> {
      if (scene != null) {
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.L,
            KeyCombination.SHORTCUT_DOWN), () -> byRatio.setSelected(!byRatio.isSelected()));
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.R,
            KeyCombination.SHORTCUT_DOWN), model::refresh);
      }
    });
  }

  /** A background colour for a weight in [-1, 1]: red below zero, green above, alpha by size. */
  static String shade(double w) {
    double a = Math.min(1, Math.abs(w)) * 0.6;
    return w >= 0 ? String.format(Locale.ROOT, "rgba(40,170,80,%.2f)", a)
        : String.format(Locale.ROOT, "rgba(210,60,60,%.2f)", a);
  }
}
