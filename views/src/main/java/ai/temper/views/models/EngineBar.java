package ai.temper.views.models;

import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;

/** The Models page's engine line: the device picker, then libtorch and device facts. */
public final class EngineBar extends HBox {
  public EngineBar(EngineViewModel model) {
    super(8);
    setId("models-engine");
    setAlignment(Pos.CENTER_LEFT);
    Label label = new Label("Device");
    label.setMinWidth(Label.USE_PREF_SIZE);
    ComboBox<String> device = new ComboBox<>();
    device.setId("models-device");
    device.getItems().setAll(EngineViewModel.CHOICES);
    device.setMinWidth(ComboBox.USE_PREF_SIZE);
    device.setValue(model.deviceProperty().get());
    device.setTooltip(new Tooltip("Where tensors live. auto: a GPU when the loaded libtorch has "
        + "one, else the CPU. Applies to models loaded and jobs started from now on."));
    model.deviceProperty().addListener((obs, old, now) -> device.setValue(now));
    device.setOnAction(e -> {
      String chosen = device.getValue();
      if (chosen != null && !chosen.equals(model.deviceProperty().get())) {
        model.choose(chosen);
      }
    });
    Label facts = new Label();
    facts.setId("models-engine-facts");
    facts.getStyleClass().add("muted");
    facts.setWrapText(true);
    facts.textProperty().bind(model.summaryProperty());
    facts.setMinHeight(Label.USE_PREF_SIZE);
    Label error = new Label();
    error.getStyleClass().add("error");
    error.setWrapText(true);
    error.textProperty().bind(model.errorProperty());
    error.visibleProperty().bind(model.errorProperty().isEmpty().not());
    error.managedProperty().bind(error.visibleProperty());
    HBox.setHgrow(facts, Priority.ALWAYS);
    getChildren().addAll(label, device, facts, error);
    model.refresh();
  }
}
