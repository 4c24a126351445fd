package ai.temper.app;

import ai.temper.engine.BlockingCheck;
import ai.temper.engine.Devices;
import ai.temper.engine.Settings;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.views.shell.ShellView;
import ai.temper.views.shell.ShellViewModel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.image.Image;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.stage.Screen;
import javafx.stage.Stage;

/** The JavaFX application: opens the home and shows the workbench shell. */
public final class TemperApp extends Application {
  public static final String STYLESHEET = "/css/temper.css";
  private static volatile Path homeArg;
  private static volatile int exitCode;
  private Workbench workbench;
  private ShellViewModel shell;
  private Settings settings;

  static int launchAndWait(Path home) {
    homeArg = home;
    Application.launch(TemperApp.class);
    return exitCode;
  }

  @Override
  public void start(Stage stage) {
    try {
      workbench = Workbench.open(Workbench.resolveHome(homeArg));
    } catch (TemperException e) {
      System.err.println("temper: " + e.getMessage());
      Alert alert = new Alert(Alert.AlertType.ERROR, e.getMessage());
      alert.setHeaderText("Temper cannot open its home");
      alert.showAndWait();
      exitCode = 1;
      Platform.exit();
      return;
    }
    settings = Settings.load(workbench.home());
    // SIGTERM (a logout, `kill`) skips stop(): the workbench's own shutdown hook cancels the
    // jobs (before the JVM unloads libtorch under a running backward pass: it crashed there)
    // and closes the database
    // --device or TEMPER_DEVICE win; else the device last chosen on the Models page
    if (System.getenv(Devices.ENV) == null && Devices.requestedExplicitly() == null) {
      settings.get("device").ifPresent(Devices::select);
    }
    shell = shell(workbench, device -> {
      settings.put("device", device);
      settings.save();
    });
    // a new home opens on the welcome, one with content on the page last shown (F1: welcome)
    if (!shell.select(Pages.firstPage(workbench, settings.get("page")))) {
      shell.select("datasets");
    }
    ShellView view = new ShellView(shell);
    // the first window fits the screen it opens on (a 1024x680 laptop or a 4K monitor)
    Rectangle2D screen = Screen.getPrimary().getVisualBounds();
    Scene scene = scene(view,
        Math.min(settings.getDouble("window.width", 1280), screen.getWidth()),
        Math.min(settings.getDouble("window.height", 820), screen.getHeight()));
    scene.getAccelerators().put(new KeyCodeCombination(KeyCode.F1), () -> shell.select("welcome"));
    stage.setTitle("Temper — " + workbench.home());
    stage.getIcons().add(new Image(Objects.requireNonNull(
        TemperApp.class.getResourceAsStream("/images/temper-icon.png"), "temper-icon.png")));
    stage.setScene(scene);
    restoreBounds(stage);
    stage.setOnCloseRequest(e -> saveBounds(stage));
    stage.show();
    // from now on a database query or model load on the FX thread is logged with its stack
    BlockingCheck.guard(Thread.currentThread());
  }

  /**
   * The shell over every page of {@code workbench}, pages able to open one another;
   * {@code rememberDevice} keeps the device chosen on the Models page.
   */
  static ShellViewModel shell(Workbench workbench, Consumer<String> rememberDevice) {
    AtomicReference<ShellViewModel> ref = new AtomicReference<>();
    ShellViewModel s = new ShellViewModel(workbench,
        Pages.create(workbench, rememberDevice, id -> ref.get().select(id)));
    ref.set(s);
    return s;
  }

  /** A scene of {@code width} x {@code height} showing {@code view}, with Temper's stylesheet. */
  static Scene scene(javafx.scene.Parent view, double width, double height) {
    Scene scene = new Scene(view, width, height);
    scene.getStylesheets().add(stylesheet());
    return scene;
  }

  public static String stylesheet() {
    return Objects.requireNonNull(TemperApp.class.getResource(STYLESHEET), STYLESHEET)
        .toExternalForm();
  }

  private void restoreBounds(Stage stage) {
    double x = settings.getDouble("window.x", Double.NaN);
    double y = settings.getDouble("window.y", Double.NaN);
    if (!Double.isNaN(x) && !Double.isNaN(y)
        && !Screen.getScreensForRectangle(new Rectangle2D(x, y, 100, 100)).isEmpty()) {
      stage.setX(x);
      stage.setY(y);
    }
    stage.setMaximized(Boolean.parseBoolean(settings.get("window.maximized").orElse("false")));
  }

  private void saveBounds(Stage stage) {
    settings.put("window.maximized", stage.isMaximized());
    if (!stage.isMaximized()) {
      settings.put("window.x", stage.getX());
      settings.put("window.y", stage.getY());
      settings.put("window.width", stage.getScene().getWidth());
      settings.put("window.height", stage.getScene().getHeight());
    }
    if (shell.selectedProperty().get() != null) {
      settings.put("page", shell.selectedProperty().get().id());
    }
    settings.save();
  }

  /** Cancels running jobs on a JVM shutdown that did not come through {@link #stop}. */
  @Override
  public void stop() {
    if (shell != null) {
      shell.close();
    }
    if (workbench != null) {
      workbench.close();
    }
  }
}
