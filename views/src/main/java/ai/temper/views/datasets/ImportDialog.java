package ai.temper.views.datasets;

import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter.OnError;
import java.io.File;
import java.nio.file.Path;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;
import javafx.util.StringConverter;

/**
 * The import dialog: a file (typed or chosen), the dataset's name, the format and what to do
 * with malformed rows; then progress, the outcome and the malformed rows by line. All state
 * lives in {@link ImportModel}, so tests can fill it where a native file chooser cannot be
 * driven.
 */
final class ImportDialog {
  private final DatasetsViewModel model;
  private final Stage stage = new Stage();

  ImportDialog(DatasetsViewModel model, Window owner) {
    this.model = model;
    ImportModel m = model.importModel();
    stage.setTitle("Import a dataset");
    if (owner != null) {
      stage.initOwner(owner);
      stage.initModality(Modality.WINDOW_MODAL);
    }

    TextField file = new TextField();
    file.setId("importFile");
    file.setPromptText("JSONL, JSON, text or Parquet (gzip too)");
    file.textProperty().bindBidirectional(m.fileProperty());
    Button browse = new Button("Browse…");
    browse.setId("importBrowse");
    browse.setOnAction(e -> choose());
    HBox.setHgrow(file, Priority.ALWAYS);

    TextField name = new TextField();
    name.setId("importName");
    name.textProperty().bindBidirectional(m.nameProperty());

    ComboBox<DataFormat> format = new ComboBox<>();
    format.setId("importFormat");
    format.getItems().setAll(DataFormat.values());
    format.valueProperty().bindBidirectional(m.formatProperty());
    format.setConverter(new StringConverter<>() {
      @Override
      public String toString(DataFormat f) {
        return f == null ? "" : f == DataFormat.AUTO ? "auto (detect from the keys)" : f.id();
      }

      @Override
      public DataFormat fromString(String s) {
        return DataFormat.of(s.split(" ")[0]);
      }
    });

    ComboBox<OnError> onError = new ComboBox<>();
    onError.setId("importOnError");
    onError.getItems().setAll(OnError.values());
    onError.valueProperty().bindBidirectional(m.onErrorProperty());
    onError.setConverter(new StringConverter<>() {
      @Override
      public String toString(OnError o) {
        return o == null ? "" : o == OnError.SKIP ? "skip them and report them"
            : "abort: import nothing";
      }

      @Override
      public OnError fromString(String s) {
        return s.startsWith("abort") ? OnError.ABORT : OnError.SKIP;
      }
    });

    GridPane form = new GridPane();
    form.setHgap(8);
    form.setVgap(8);
    form.addRow(0, new Label("File"), new HBox(6, file, browse));
    form.addRow(1, new Label("Name"), name);
    form.addRow(2, new Label("Format"), format);
    form.addRow(3, new Label("Malformed rows"), onError);
    GridPane.setHgrow(name, Priority.ALWAYS);

    ProgressBar progress = new ProgressBar();
    progress.setId("importProgress");
    progress.progressProperty().bind(m.progressProperty());
    progress.setMaxWidth(Double.MAX_VALUE);
    Label message = new Label();
    message.setId("importMessage");
    message.setWrapText(true);
    message.textProperty().bind(m.messageProperty());
    ListView<String> errors = new ListView<>(m.errors());
    errors.setId("importErrors");
    errors.setPrefHeight(140);

    Button start = new Button("Import");
    start.setId("importStart");
    start.setDefaultButton(true);
    start.disableProperty().bind(m.canStartBinding().not());
    start.setOnAction(e -> model.startImport());
    Button cancel = new Button("Cancel import");
    cancel.setId("importCancel");
    cancel.disableProperty().bind(m.runningProperty().not());
    cancel.setOnAction(e -> model.cancelImport());
    Button close = new Button("Close");
    close.setId("importClose");
    close.setCancelButton(true);
    close.setOnAction(e -> stage.close());

    VBox root = new VBox(10, form, progress, message, new Label("Malformed rows"), errors,
        new HBox(8, start, cancel, close));
    root.setPadding(new Insets(12));
    Scene scene = new Scene(root, 620, 460);
    stage.setScene(scene);
  }

  private void choose() {
    FileChooser chooser = new FileChooser();
    chooser.setTitle("Choose a dataset file");
    chooser.getExtensionFilters().addAll(
        new FileChooser.ExtensionFilter("Datasets", "*.jsonl", "*.json", "*.jsonl.gz",
            "*.json.gz", "*.parquet", "*.txt", "*.txt.gz"),
        new FileChooser.ExtensionFilter("All files", "*"));
    String current = model.importModel().fileProperty().get();
    if (!current.isBlank()) {
      File parent = Path.of(current).toAbsolutePath().getParent().toFile();
      if (parent.isDirectory()) {
        chooser.setInitialDirectory(parent);
      }
    }
    File f = chooser.showOpenDialog(stage);
    if (f != null) {
      model.importModel().fileProperty().set(f.getAbsolutePath());
    }
  }

  boolean isShowing() {
    return stage.isShowing();
  }

  void show() {
    model.importModel().reset();
    stage.show();
    stage.toFront();
  }

  Stage stage() {
    return stage;
  }
}
