package ai.temper.views.shell;

import java.util.HashMap;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.controlsfx.control.StatusBar;

/** The main window: navigation on the left, the page in the middle, jobs in the status bar. */
public final class ShellView extends BorderPane {
  private final ShellViewModel model;
  private final StackPane content = new StackPane();
  private final ToggleGroup nav = new ToggleGroup();
  private final Map<Page, ToggleButton> buttons = new HashMap<>();
  private final HBox jobsBox = new HBox(12);
  private final StatusBar statusBar = new StatusBar();

  public ShellView(ShellViewModel model) {
    this.model = model;
    getStyleClass().add("shell");
    setLeft(navigation());
    content.getStyleClass().add("page-host");
    setCenter(content);
    setBottom(buildStatusBar());
    model.selectedProperty().addListener((obs, old, now) -> show(now));
    if (model.selectedProperty().get() == null && !model.pages().isEmpty()) {
      model.selectedProperty().set(model.pages().get(0));
    } else {
      show(model.selectedProperty().get());
    }
  }

  private Node navigation() {
    VBox box = new VBox(2);
    box.getStyleClass().add("nav");
    Label brand = new Label("Temper");
    brand.getStyleClass().add("brand");
    box.getChildren().add(brand);
    for (Page p : model.pages()) {
      ToggleButton b = new ToggleButton(p.title());
      Label glyph = new Label(p.glyph());
      glyph.getStyleClass().add("nav-glyph");
      b.setGraphic(glyph);
      b.setId("nav-" + p.id());
      b.setToggleGroup(nav);
      b.setMaxWidth(Double.MAX_VALUE);
      b.setAlignment(Pos.CENTER_LEFT);
      b.getStyleClass().add("nav-button");
      b.setOnAction(e -> {
        model.selectedProperty().set(p);
        b.setSelected(true); // a click on the shown page keeps it shown
      });
      buttons.put(p, b);
      box.getChildren().add(b);
    }
    Region spacer = new Region();
    VBox.setVgrow(spacer, Priority.ALWAYS);
    box.getChildren().add(spacer);
    return box;
  }

  private Node buildStatusBar() {
    statusBar.setId("status-bar");
    statusBar.setText("Home: " + model.homeText());
    jobsBox.setAlignment(Pos.CENTER_RIGHT);
    statusBar.getRightItems().add(jobsBox);
    model.jobs().addListener((ListChangeListener<JobItem>) c -> renderJobs());
    renderJobs();
    return statusBar;
  }

  private void renderJobs() {
    jobsBox.getChildren().clear();
    if (model.jobs().isEmpty()) {
      Label idle = new Label("No jobs running");
      idle.getStyleClass().add("muted");
      jobsBox.getChildren().add(idle);
      return;
    }
    for (JobItem job : model.jobs()) {
      Label text = new Label();
      text.textProperty().bind(job.textProperty());
      text.setMaxWidth(420);
      ProgressBar bar = new ProgressBar();
      bar.setPrefWidth(140);
      bar.progressProperty().bind(job.progressProperty());
      Button cancel = new Button("✕");
      cancel.getStyleClass().add("flat");
      cancel.setTooltip(new Tooltip("Cancel " + job.handle().title()));
      cancel.setOnAction(e -> job.cancel());
      HBox row = new HBox(6, text, bar, cancel);
      row.setAlignment(Pos.CENTER_LEFT);
      row.getStyleClass().add("job");
      row.setPadding(new Insets(0, 4, 0, 4));
      jobsBox.getChildren().add(row);
    }
  }

  private void show(Page page) {
    if (page == null) {
      return;
    }
    content.getChildren().setAll(page.view());
    ToggleButton b = buttons.get(page);
    if (b != null) {
      b.setSelected(true);
    }
  }

  public StatusBar statusBar() {
    return statusBar;
  }
}
