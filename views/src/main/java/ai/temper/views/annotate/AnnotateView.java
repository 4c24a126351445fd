package ai.temper.views.annotate;

import ai.temper.engine.annotate.Agreement;
import ai.temper.engine.annotate.Choice;
import ai.temper.engine.store.AnnotationRepository.SessionSummary;
import ai.temper.engine.vpl.Vpl;
import java.io.File;
import java.util.Locale;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.TextInputControl;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;

/**
 * The Annotate page: a session and an annotator at the top; the Label tab shows the prompt
 * over the two responses side by side (Chat's bubbles), answered from the keyboard (1 left,
 * 2 right, 3 tie, 4 both bad, S skip, U undo, arrows move; the legend says so), with a
 * progress bar and counts; the Analysis tab holds the per-annotator statistics, agreement,
 * a chart, and VPL against Bradley-Terry with the pair to ask next.
 */
public final class AnnotateView extends BorderPane {
  static final String LEGEND = "Keys: 1 left better · 2 right better · 3 tie · 4 both bad · "
      + "S skip · U undo · ← → move";

  private final AnnotateViewModel model;

  public AnnotateView(AnnotateViewModel model) {
    this.model = model;
    setId("annotate-page");
    setPadding(new Insets(16));
    Label title = new Label("Annotate");
    title.getStyleClass().add("page-title");

    ComboBox<SessionSummary> sessions = new ComboBox<>(model.sessions());
    sessions.setId("annotate-session");
    sessions.setPromptText("Session");
    sessions.setConverter(new javafx.util.StringConverter<>() {
      @Override
      public String toString(SessionSummary s) {
        return s == null ? "" : s.name() + "  (" + s.labels() + " labels)";
      }

      @Override
      public SessionSummary fromString(String s) {
        return null;
      }
    });
    sessions.setOnAction(e -> {
      SessionSummary s = sessions.getValue();
      if (s != null && (model.sessionProperty().get() == null
          || !model.sessionProperty().get().name().equals(s.name()) || model.annotators()
              .isEmpty())) {
        model.selectSession(s.name());
      }
    });
    model.sessionProperty().addListener((o, a, b) -> {
      if (b != null && sessions.getValue() != b) {
        sessions.setValue(b);
      }
    });
    ComboBox<String> annotators = new ComboBox<>(model.annotators());
    annotators.setId("annotate-annotator");
    annotators.setPromptText("Annotator");
    annotators.setOnAction(e -> {
      if (annotators.getValue() != null) {
        model.startLabelling(annotators.getValue());
      }
    });
    model.annotators().addListener((ListChangeListener<String>) c -> {
      if (!model.annotators().isEmpty()) {
        String first = model.annotators().get(0);
        if (first.equals(annotators.getValue())) {
          model.startLabelling(first); // same name, new session: no change event to open it
        } else {
          annotators.setValue(first);
        }
      }
    });
    Button create = new Button("New session…");
    create.setId("annotate-new");
    create.setOnAction(e -> SessionDialog.show(getScene().getWindow(), model));
    Button bundle = new Button("Bundle for annotator…");
    bundle.setId("annotate-bundle");
    bundle.setOnAction(e -> {
      FileChooser fc = new FileChooser();
      fc.setTitle("Bundle for " + model.annotatorProperty().get());
      fc.setInitialFileName((model.annotatorProperty().get() == null ? "annotator"
          : model.annotatorProperty().get()) + ".temper-labels.json");
      File f = fc.showSaveDialog(getScene().getWindow());
      if (f != null) {
        model.bundle(f.toPath());
      }
    });
    bundle.disableProperty().bind(model.annotatorProperty().isNull());
    Button open = new Button("Open bundle…");
    open.setId("annotate-open-bundle");
    open.setOnAction(e -> openBundle());
    open.setTooltip(new javafx.scene.control.Tooltip("Open an annotator's bundle, or merge one "
        + "sent back (Ctrl+O)"));
    Button refresh = new Button("Refresh");
    refresh.setOnAction(e -> model.refresh());
    sessions.setPrefWidth(220);
    annotators.setPrefWidth(150);
    // wraps rather than cutting labels short on a narrow window
    javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(8, 6, sessions,
        annotators, create, bundle, open, refresh);
    bar.setAlignment(Pos.CENTER_LEFT);
    for (var n : bar.getChildren()) {
      if (n instanceof Region r) {
        r.setMinWidth(Region.USE_PREF_SIZE);
      }
    }
    title.setMinWidth(Region.USE_PREF_SIZE);

    TabPane tabs = new TabPane(new Tab("Label", labelPane()), new Tab("Analysis",
        analysisPane()));
    tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
    tabs.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> {
      if (b.intValue() == 1) {
        model.analyse();
      }
    });

    Label status = new Label();
    status.setId("annotate-status");
    status.getStyleClass().add("muted");
    status.textProperty().bind(model.statusProperty());
    Label error = new Label();
    error.setId("annotate-error");
    error.getStyleClass().add("error-text");
    error.textProperty().bind(model.errorProperty());
    error.setWrapText(true);
    setTop(new VBox(8, title, bar));
    setCenter(tabs);
    setBottom(new VBox(2, error, status));
    addEventFilter(KeyEvent.KEY_PRESSED, this::key);
  }

  private void openBundle() {
    FileChooser fc = new FileChooser();
    fc.setTitle("Open or merge a labels bundle");
    File f = fc.showOpenDialog(getScene().getWindow());
    if (f != null) {
      model.openBundle(f.toPath());
    }
  }

  /** The answer keys, unless the user is typing a reason; Ctrl+O opens a bundle. */
  private void key(KeyEvent e) {
    if (e.isShortcutDown() && e.getCode() == KeyCode.O) {
      openBundle();
      e.consume();
      return;
    }
    if (e.getTarget() instanceof TextInputControl || e.isControlDown() || e.isAltDown()
        || e.isMetaDown()) {
      return;
    }
    KeyCode k = e.getCode();
    Choice.Screen pressed = switch (k) {
      case DIGIT1, NUMPAD1 -> Choice.Screen.LEFT;
      case DIGIT2, NUMPAD2 -> Choice.Screen.RIGHT;
      case DIGIT3, NUMPAD3 -> Choice.Screen.TIE;
      case DIGIT4, NUMPAD4 -> Choice.Screen.BOTH_BAD;
      case S -> Choice.Screen.SKIP;
      default -> null;
    };
    if (pressed != null) {
      model.answer(pressed);
    } else if (k == KeyCode.U) {
      model.undo();
    } else if (k == KeyCode.RIGHT) {
      model.next();
    } else if (k == KeyCode.LEFT) {
      model.previous();
    } else {
      return;
    }
    e.consume();
  }

  private VBox labelPane() {
    Label question = new Label();
    question.setId("annotate-question");
    question.setStyle("-fx-font-weight: bold; -fx-font-size: 14px;");
    question.textProperty().bind(model.questionProperty());
    ProgressBar progress = new ProgressBar();
    progress.setId("annotate-progress");
    progress.setMaxWidth(Double.MAX_VALUE);
    progress.progressProperty().bind(model.progressProperty());
    HBox.setHgrow(progress, Priority.ALWAYS);
    Label counts = new Label();
    counts.setId("annotate-counts");
    counts.textProperty().bind(model.countsProperty());
    HBox progressRow = new HBox(10, progress, counts);
    progressRow.setAlignment(Pos.CENTER_LEFT);

    VBox promptBubble = bubble("Prompt", "user", "annotate-prompt");
    ((Label) promptBubble.getChildren().get(1)).textProperty().bind(model.promptProperty());
    VBox leftBubble = bubble("Left", "assistant", "annotate-left");
    ((Label) leftBubble.getChildren().get(1)).textProperty().bind(model.leftProperty());
    VBox rightBubble = bubble("Right", "assistant", "annotate-right");
    ((Label) rightBubble.getChildren().get(1)).textProperty().bind(model.rightProperty());
    ScrollPane leftScroll = scroll(leftBubble);
    ScrollPane rightScroll = scroll(rightBubble);
    HBox sides = new HBox(12, leftScroll, rightScroll);
    HBox.setHgrow(leftScroll, Priority.ALWAYS);
    HBox.setHgrow(rightScroll, Priority.ALWAYS);
    leftScroll.prefWidthProperty().bind(sides.widthProperty().divide(2));
    rightScroll.prefWidthProperty().bind(sides.widthProperty().divide(2));
    VBox.setVgrow(sides, Priority.ALWAYS);

    HBox buttons = new HBox(6,
        answerButton("1  Left better", Choice.Screen.LEFT, "annotate-left-better"),
        answerButton("2  Right better", Choice.Screen.RIGHT, "annotate-right-better"),
        answerButton("3  Tie", Choice.Screen.TIE, "annotate-tie"),
        answerButton("4  Both bad", Choice.Screen.BOTH_BAD, "annotate-both-bad"),
        answerButton("S  Skip", Choice.Screen.SKIP, "annotate-skip"));
    Button undo = new Button("U  Undo");
    undo.setOnAction(e -> model.undo());
    Button prev = new Button("←");
    prev.setOnAction(e -> model.previous());
    Button next = new Button("→");
    next.setOnAction(e -> model.next());
    buttons.getChildren().addAll(undo, prev, next);
    buttons.setAlignment(Pos.CENTER_LEFT);
    for (var n : buttons.getChildren()) {
      n.setFocusTraversable(false);
    }

    ToggleGroup stars = new ToggleGroup();
    HBox ratingRow = new HBox(4, new Label("Rating (optional):"));
    for (int i = 1; i <= 5; i++) {
      ToggleButton t = new ToggleButton(String.valueOf(i));
      t.setUserData(i);
      t.setToggleGroup(stars);
      t.setFocusTraversable(false);
      ratingRow.getChildren().add(t);
    }
    stars.selectedToggleProperty().addListener((o, a, b) -> model.ratingProperty().set(
        b == null ? null : (Integer) b.getUserData()));
    model.ratingProperty().addListener((o, a, b) -> {
      if (b == null) {
        stars.selectToggle(null);
      }
    });
    ratingRow.managedProperty().bind(model.askRatingProperty());
    ratingRow.visibleProperty().bind(model.askRatingProperty());
    ratingRow.setAlignment(Pos.CENTER_LEFT);
    TextField reason = new TextField();
    reason.setId("annotate-reason");
    reason.setPromptText("Reason (optional); Esc returns to the keys");
    reason.textProperty().bindBidirectional(model.reasonProperty());
    reason.managedProperty().bind(model.askReasonProperty());
    reason.visibleProperty().bind(model.askReasonProperty());
    reason.setOnKeyPressed(e -> {
      if (e.getCode() == KeyCode.ESCAPE) {
        requestFocus();
      }
    });

    Label answer = new Label();
    answer.setId("annotate-answer");
    answer.getStyleClass().add("muted");
    answer.textProperty().bind(model.answerProperty());
    Label legend = new Label(LEGEND);
    legend.setId("annotate-legend");
    legend.getStyleClass().add("muted");
    VBox pane = new VBox(10, question, progressRow, promptBubble, sides, ratingRow, reason,
        buttons, answer, legend);
    pane.setPadding(new Insets(10, 0, 0, 0));
    pane.setFocusTraversable(true);
    pane.setOnMouseClicked(e -> pane.requestFocus());
    return pane;
  }

  private Button answerButton(String text, Choice.Screen s, String id) {
    Button b = new Button(text);
    b.setId(id);
    b.setOnAction(e -> model.answer(s));
    return b;
  }

  /** A bubble as the Chat page draws one: role line, wrapped text. */
  private static VBox bubble(String role, String kind, String id) {
    Label r = new Label(role);
    r.getStyleClass().add("bubble-role");
    Label text = new Label();
    text.setId(id);
    text.getStyleClass().add("bubble-text");
    text.setWrapText(true);
    text.setMinHeight(Region.USE_PREF_SIZE);
    VBox b = new VBox(4, r, text);
    b.getStyleClass().addAll("bubble", kind);
    return b;
  }

  private static ScrollPane scroll(VBox content) {
    ScrollPane s = new ScrollPane(content);
    s.setFitToWidth(true);
    s.setFocusTraversable(false);
    return s;
  }

  private VBox analysisPane() {
    TableView<Agreement.AnnotatorStats> stats = new TableView<>(model.stats());
    stats.setId("annotate-stats");
    col(stats, "Annotator", Agreement.AnnotatorStats::annotator, 140);
    col(stats, "Labels", a -> a.labels(), 70);
    col(stats, "Skips", a -> a.skips(), 60);
    col(stats, "Median s/label", a -> num(a.medianSeconds(), 1), 110);
    col(stats, "Tie rate", a -> num(a.tieRate(), 3), 80);
    col(stats, "Both-bad rate", a -> num(a.bothBadRate(), 3), 100);
    col(stats, "Chose left", a -> num(a.leftRate(), 3), 90);
    stats.setPrefHeight(180);
    TableView<Agreement.PairKappa> kappas = new TableView<>(model.kappas());
    kappas.setId("annotate-kappas");
    col(kappas, "Annotator", Agreement.PairKappa::first, 140);
    col(kappas, "Annotator", Agreement.PairKappa::second, 140);
    col(kappas, "Common pairs", k -> k.common(), 100);
    col(kappas, "Observed agreement", k -> num(k.observed(), 3), 140);
    col(kappas, "Cohen's kappa", k -> num(k.kappa(), 3), 110);
    kappas.setPrefHeight(160);
    Label alpha = new Label();
    alpha.setId("annotate-alpha");
    alpha.textProperty().bind(model.alphaProperty());

    CategoryAxis x = new CategoryAxis();
    NumberAxis y = new NumberAxis(0, 1, 0.25);
    BarChart<String, Number> chart = new BarChart<>(x, y);
    chart.setTitle("Per annotator: tie rate and share choosing the left side (0.5: no bias)");
    chart.setAnimated(false);
    chart.setPrefHeight(220);
    model.stats().addListener((ListChangeListener<Agreement.AnnotatorStats>) c -> {
      XYChart.Series<String, Number> ties = new XYChart.Series<>();
      ties.setName("tie rate");
      XYChart.Series<String, Number> leftRate = new XYChart.Series<>();
      leftRate.setName("chose left");
      for (Agreement.AnnotatorStats a : model.stats()) {
        ties.getData().add(new XYChart.Data<>(a.annotator(), nan0(a.tieRate())));
        leftRate.getData().add(new XYChart.Data<>(a.annotator(), nan0(a.leftRate())));
      }
      chart.getData().setAll(ties, leftRate);
    });

    TableView<Vpl.AnnotatorResult> vpl = new TableView<>(model.vplResults());
    vpl.setId("annotate-vpl");
    col(vpl, "Annotator", Vpl.AnnotatorResult::annotator, 140);
    col(vpl, "Train pairs", r -> r.trainPairs(), 90);
    col(vpl, "Held out", r -> r.heldOut(), 80);
    col(vpl, "Accuracy BT", r -> num(r.btAccuracy(), 3), 100);
    col(vpl, "Accuracy VPL", r -> num(r.vplAccuracy(), 3), 100);
    col(vpl, "σ(z)", r -> num(r.sigma(), 3), 80);
    vpl.setPrefHeight(160);
    Button train = new Button("Train VPL and Bradley-Terry on these labels");
    train.setId("annotate-train-vpl");
    train.setOnAction(e -> model.trainVpl(200));
    Label suggestion = new Label();
    suggestion.setId("annotate-suggestion");
    suggestion.textProperty().bind(model.suggestionProperty());
    Button go = new Button("Show it");
    go.disableProperty().bind(model.suggestedPositionProperty().lessThan(0));
    go.setOnAction(e -> model.go(model.suggestedPositionProperty().get()));
    HBox vplRow = new HBox(10, train, suggestion, go);
    vplRow.setAlignment(Pos.CENTER_LEFT);
    VBox pane = new VBox(8, new Label("Annotators"), stats, new Label("Agreement"), kappas,
        alpha, chart, new Label("Pluralistic reward model (VPL) against one Bradley-Terry "
            + "model, accuracy on each annotator's held-out pairs"), vplRow, vpl);
    pane.setPadding(new Insets(10, 0, 0, 0));
    return pane;
  }

  private static double nan0(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  static String num(double v, int digits) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }

  private static <S> void col(TableView<S> t, String name, Function<S, Object> f, double w) {
    TableColumn<S, Object> c = new TableColumn<>(name);
    c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(f.apply(d.getValue())));
    c.setPrefWidth(w);
    t.getColumns().add(c);
  }
}
