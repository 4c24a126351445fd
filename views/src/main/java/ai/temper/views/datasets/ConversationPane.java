package ai.temper.views.datasets;

import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The detail pane: a conversation as chat bubbles (user on the right, the rest on the left),
 * a preference pair as its prompt above the chosen and rejected sides next to each other, a
 * text as one block. Style classes: bubble, bubble-ROLE, pair-side, chosen, rejected.
 */
final class ConversationPane extends ScrollPane {
  private final VBox content = new VBox(8);

  ConversationPane() {
    setId("detail");
    content.getStyleClass().add("conversation");
    setContent(content);
    setFitToWidth(true);
    show(null);
  }

  void show(Example e) {
    content.getChildren().clear();
    if (e == null) {
      Label hint = new Label("Select an example to see it here.");
      hint.getStyleClass().add("hint");
      content.getChildren().add(hint);
      return;
    }
    if (e.kind() == DatasetKind.TEXT) {
      content.getChildren().add(bubble(new Message("text", e.text())));
    } else if (e.kind() == DatasetKind.PREFERENCE) {
      e.prompt().forEach(m -> content.getChildren().add(row(m)));
      HBox sides = new HBox(10, side("Chosen", "chosen", e.chosen()),
          side("Rejected", "rejected", e.rejected()));
      sides.setId("pair");
      content.getChildren().add(sides);
    } else {
      e.messages().forEach(m -> content.getChildren().add(row(m)));
    }
    if (e.groundTruth() != null) {
      Label gt = new Label("Ground truth: " + e.groundTruth()
          + (e.verifier() == null ? "" : "   (verifier: " + e.verifier() + ")"));
      gt.setId("groundTruth");
      gt.getStyleClass().add("ground-truth");
      content.getChildren().add(gt);
    }
    setVvalue(0);
  }

  private static VBox side(String title, String id, List<Message> messages) {
    Label heading = new Label(title);
    heading.getStyleClass().add("pair-heading");
    VBox box = new VBox(6, heading);
    messages.forEach(m -> box.getChildren().add(row(m)));
    box.setId(id);
    box.getStyleClass().addAll("pair-side", id);
    HBox.setHgrow(box, Priority.ALWAYS);
    box.setMaxWidth(Double.MAX_VALUE);
    box.setPrefWidth(0); // share the width equally
    return box;
  }

  private static HBox row(Message m) {
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    spacer.setMinWidth(40);
    VBox b = bubble(m);
    boolean right = m.role().equals("user");
    HBox row = right ? new HBox(spacer, b) : new HBox(b, spacer);
    row.setAlignment(right ? Pos.TOP_RIGHT : Pos.TOP_LEFT);
    return row;
  }

  private static VBox bubble(Message m) {
    Label role = new Label(m.role());
    role.getStyleClass().add("bubble-role");
    Label text = new Label(m.content());
    text.setWrapText(true);
    text.getStyleClass().add("bubble-text");
    text.setMinHeight(Region.USE_PREF_SIZE);
    VBox b = new VBox(2, role, text);
    b.getStyleClass().addAll("bubble", "bubble-" + m.role());
    b.setMaxWidth(560);
    return b;
  }
}
