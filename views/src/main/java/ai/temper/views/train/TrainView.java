package ai.temper.views.train;

import ai.temper.engine.train.TrainKind;
import ai.temper.views.common.LineChartPane;
import ai.temper.views.common.UiExecutor;
import ai.temper.views.train.TrainViewModel.MetricPoint;
import java.io.File;
import java.util.List;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;
import org.controlsfx.control.PropertySheet;
import org.controlsfx.property.editor.DefaultPropertyEditorFactory;
import org.controlsfx.property.editor.Editors;

/**
 * The Train page: algorithm, base model and data at the top; every hyperparameter in a
 * property sheet with its default and explanation; start, cancel and resume; live curves of
 * the loss and of the algorithm's own metrics.
 */
public final class TrainView extends BorderPane {
  private final TrainViewModel model;
  private final LineChartPane lossChart = new LineChartPane("Loss", "step", "loss");
  private final LineChartPane metricsChart = new LineChartPane("Metrics", "step", "",
      LineChartPane.PER_METRIC);

  public TrainView(TrainViewModel model) {
    this.model = model;
    getStyleClass().add("page");

    Label title = new Label("Train");
    title.getStyleClass().add("page-title");
    Label sub = new Label("Choose an algorithm, a base model and data; adjust the settings; "
        + "start. Curves update as it trains; a cancelled run keeps a checkpoint to resume.");
    sub.getStyleClass().add("page-subtitle");
    sub.setWrapText(true);

    ComboBox<TrainKind> kind = new ComboBox<>();
    kind.getItems().setAll(TrainKind.values());
    kind.setId("train-kind");
    kind.valueProperty().bindBidirectional(model.kindProperty());
    kind.setConverter(new StringConverter<>() {
      @Override
      public String toString(TrainKind k) {
        return k == null ? "" : switch (k) {
          case PRETRAIN -> "Pretraining (plain text)";
          case SFT -> "SFT (chat, assistant-only loss)";
          case DPO -> "DPO / dpo_norm / SimPO (preference pairs)";
          case RM -> "Reward model (preference pairs)";
          case GRPO -> "GRPO / RLVR (prompts with verifiers)";
          case PPO -> "PPO (prompts; reward model and/or verifiers)";
        };
      }

      @Override
      public TrainKind fromString(String s) {
        return null;
      }
    });

    TextField modelField = new TextField();
    modelField.setId("train-model");
    modelField.setPromptText("library model, HF directory or llama2.c .bin; empty: pretrain a new one");
    modelField.textProperty().bindBidirectional(model.modelProperty());
    Button modelFile = new Button("File…");
    modelFile.setOnAction(e -> {
      FileChooser fc = new FileChooser();
      File f = fc.showOpenDialog(getScene().getWindow());
      if (f != null) {
        model.modelProperty().set(f.getPath());
      }
    });
    Button modelDir = new Button("Folder…");
    modelDir.setOnAction(e -> {
      File f = new DirectoryChooser().showDialog(getScene().getWindow());
      if (f != null) {
        model.modelProperty().set(f.getPath());
      }
    });

    ComboBox<String> library = new ComboBox<>(model.modelNames());
    library.setId("train-library");
    library.setPromptText("From the library");
    library.setMinWidth(Region.USE_PREF_SIZE);
    library.setOnAction(e -> {
      if (library.getValue() != null) {
        model.modelProperty().set(library.getValue());
        UiExecutor.afterThisEvent().execute(
            () -> library.getSelectionModel().clearSelection());
      }
    });

    TextField dataField = new TextField();
    dataField.setId("train-data");
    dataField.setPromptText("dataset or file.jsonl with an amount: chat.jsonl,1.0 (fraction) or "
        + "chat.jsonl,500 (count)");
    dataField.textProperty().bindBidirectional(model.dataProperty());
    Button dataFile = new Button("Add file…");
    dataFile.setOnAction(e -> {
      FileChooser fc = new FileChooser();
      fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("JSON lines",
          "*.jsonl", "*.jsonl.gz", "*.json"));
      File f = fc.showOpenDialog(getScene().getWindow());
      if (f != null) {
        model.addData(f.getPath());
      }
    });
    // a menu, not a combo box: moving through it with the arrow keys adds nothing, only
    // choosing an entry (Enter or a click) does
    MenuButton datasets = new MenuButton("Add a dataset");
    datasets.setId("train-datasets");
    datasets.setMinWidth(Region.USE_PREF_SIZE);
    Runnable fillDatasets = () -> {
      datasets.getItems().clear();
      for (String n : model.datasetNames()) {
        MenuItem item = new MenuItem(n);
        item.setOnAction(e -> model.addData(n));
        datasets.getItems().add(item);
      }
      if (datasets.getItems().isEmpty()) {
        MenuItem none = new MenuItem("No " + model.kindProperty().get().datasetKind()
            + " datasets yet: import one on the Datasets page");
        none.setDisable(true);
        datasets.getItems().add(none);
      }
    };
    model.datasetNames().addListener((ListChangeListener<String>) c -> fillDatasets.run());
    fillDatasets.run();

    GridPane form = new GridPane();
    form.setHgap(8);
    form.setVgap(6);
    for (javafx.scene.control.Control c : List.of(modelFile, modelDir, dataFile)) {
      c.setMinWidth(Region.USE_PREF_SIZE);
    }
    form.addRow(0, new Label("Algorithm"), kind);
    form.addRow(1, new Label("Base model"), modelField, new HBox(4, library, modelFile, modelDir));
    form.addRow(2, new Label("Data"), dataField, new HBox(4, datasets, dataFile));
    // the labels keep their whole text; the fields give way
    javafx.scene.layout.ColumnConstraints labels = new javafx.scene.layout.ColumnConstraints();
    labels.setMinWidth(Region.USE_PREF_SIZE);
    form.getColumnConstraints().setAll(labels);
    modelField.setMinWidth(120);
    dataField.setMinWidth(120);
    GridPane.setHgrow(modelField, Priority.ALWAYS);
    GridPane.setHgrow(dataField, Priority.ALWAYS);

    Button start = new Button("Start");
    start.setId("train-start");
    start.getStyleClass().add("primary");
    start.setOnAction(e -> model.start());
    start.disableProperty().bind(model.runningProperty());
    Button cancel = new Button("Cancel");
    cancel.setId("train-cancel");
    cancel.setOnAction(e -> model.cancel());
    cancel.disableProperty().bind(model.runningProperty().not());
    Button resume = new Button("Resume");
    resume.setId("train-resume");
    resume.setOnAction(e -> model.resume());
    resume.disableProperty().bind(model.runningProperty()
        .or(model.resumableProperty().not()));
    ProgressBar bar = new ProgressBar();
    bar.setId("train-progress");
    bar.progressProperty().bind(model.progressProperty());
    bar.setPrefWidth(180);
    Label status = new Label();
    status.setId("train-status");
    status.getStyleClass().add("muted");
    status.textProperty().bind(model.statusProperty());
    Label error = new Label();
    error.setId("train-error");
    error.getStyleClass().add("error-text");
    error.setWrapText(true);
    error.textProperty().bind(model.errorProperty());
    HBox buttons = new HBox(8, start, cancel, resume, bar, status);
    buttons.setAlignment(javafx.geometry.Pos.CENTER_LEFT);

    VBox top = new VBox(8, new VBox(2, title, sub), form, buttons, error);
    top.setPadding(new Insets(0, 0, 10, 0));
    setTop(top);

    PropertySheet sheet = new PropertySheet();
    javafx.beans.binding.Bindings.bindContent(sheet.getItems(), model.items());
    sheet.setId("train-sheet");
    sheet.setMode(PropertySheet.Mode.CATEGORY);
    sheet.setSearchBoxVisible(true);
    DefaultPropertyEditorFactory defaults = new DefaultPropertyEditorFactory();
    sheet.setPropertyEditorFactory(item -> {
      if (item instanceof FieldItem f && !f.field().choices().isEmpty()) {
        return Editors.createChoiceEditor(item, f.field().choices());
      }
      return defaults.call(item);
    });

    lossChart.setId("train-loss-chart");
    metricsChart.setId("train-metrics-chart");
    SplitPane charts = new SplitPane(lossChart, metricsChart);
    charts.setOrientation(Orientation.VERTICAL);
    SplitPane split = new SplitPane(sheet, charts);
    split.setDividerPositions(0.42);
    setCenter(split);

    model.points().addListener((ListChangeListener<MetricPoint>) c -> {
      while (c.next()) {
        if (c.wasRemoved() && model.points().isEmpty()) {
          lossChart.clear();
          metricsChart.clear();
        }
        if (c.wasAdded()) {
          for (MetricPoint p : c.getAddedSubList()) {
            plot(p);
          }
        }
      }
    });
  }

  private void plot(MetricPoint p) {
    if (p.name().equals("loss") || p.name().equals("eval_loss")) {
      lossChart.append(p.name(), p.step(), p.value());
    } else {
      List<String> wanted = model.algorithmMetrics();
      if (wanted.contains(p.name())) {
        metricsChart.append(p.name(), p.step(), p.value());
      }
    }
  }

  public LineChartPane lossChart() {
    return lossChart;
  }

  public LineChartPane metricsChart() {
    return metricsChart;
  }
}
