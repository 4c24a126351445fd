package ai.temper.views.annotate;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;

/** The session-creation dialog: name, where pairs come from, annotators, overlap, question. */
final class SessionDialog {
  private SessionDialog() {}

  static void show(Window owner, AnnotateViewModel model) {
    Dialog<AnnotateViewModel.SessionSpec> d = new Dialog<>();
    d.initOwner(owner);
    d.setTitle("New annotation session");
    TextField name = field("session-name", "study-1");
    ChoiceBox<String> source = new ChoiceBox<>();
    source.getItems().setAll("Pairs of a preference dataset", "Two models answer the prompts",
        "One model sampled twice");
    source.getSelectionModel().select(0);
    ComboBox<String> dataset = new ComboBox<>(model.datasets());
    dataset.setId("session-dataset");
    dataset.setEditable(true);
    TextField prompts = field("session-prompts", "prompts file (.txt, .jsonl) or dataset name");
    TextField modelA = field("session-model-a", "model folder or llama2.c .bin");
    TextField modelB = field("session-model-b", "second model (two models)");
    TextField tokenizer = field("session-tokenizer", "tokenizer (when the model needs one)");
    TextField annotators = field("session-annotators", "alice, bob, carol");
    Spinner<Integer> overlap = new Spinner<>(0, 100, 0);
    overlap.setEditable(true);
    Spinner<Integer> limit = new Spinner<>(0, 1_000_000, 50);
    limit.setEditable(true);
    TextField question = field("session-question", "Which response is better?");
    CheckBox rating = new CheckBox("Ask a 1-5 rating");
    CheckBox reason = new CheckBox("Ask a reason");
    GridPane g = new GridPane();
    g.setHgap(8);
    g.setVgap(6);
    int r = 0;
    g.addRow(r++, new Label("Name"), name);
    g.addRow(r++, new Label("Pairs"), source);
    g.addRow(r++, new Label("Dataset"), dataset);
    g.addRow(r++, new Label("Prompts"), prompts);
    g.addRow(r++, new Label("Model a"), modelA);
    g.addRow(r++, new Label("Model b"), modelB);
    g.addRow(r++, new Label("Tokenizer"), tokenizer);
    g.addRow(r++, new Label("Annotators"), annotators);
    g.addRow(r++, new Label("Overlap (0: all)"), overlap);
    g.addRow(r++, new Label("At most (pairs)"), limit);
    g.addRow(r++, new Label("Question"), question);
    g.addRow(r, rating, reason);
    Runnable toggle = () -> {
      int s = source.getSelectionModel().getSelectedIndex();
      dataset.setDisable(s != 0);
      prompts.setDisable(s == 0);
      modelA.setDisable(s == 0);
      modelB.setDisable(s != 1);
      tokenizer.setDisable(s == 0);
    };
    source.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> toggle.run());
    toggle.run();
    d.getDialogPane().setContent(g);
    d.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
    d.setResultConverter(b -> {
      if (b != ButtonType.OK) {
        return null;
      }
      List<String> names = new ArrayList<>();
      for (String a : annotators.getText().split(",")) {
        if (!a.isBlank()) {
          names.add(a.strip());
        }
      }
      String kind = switch (source.getSelectionModel().getSelectedIndex()) {
        case 0 -> "dataset";
        case 1 -> "models";
        default -> "sampled";
      };
      return new AnnotateViewModel.SessionSpec(name.getText().strip(), kind,
          dataset.getValue(), prompts.getText(), modelA.getText(), modelB.getText(),
          tokenizer.getText(), names, overlap.getValue(), limit.getValue(),
          question.getText(), rating.isSelected(), reason.isSelected());
    });
    d.showAndWait().ifPresent(model::createSession);
  }

  private static TextField field(String id, String prompt) {
    TextField t = new TextField();
    t.setId(id);
    t.setPromptText(prompt);
    t.setPrefColumnCount(28);
    return t;
  }
}
