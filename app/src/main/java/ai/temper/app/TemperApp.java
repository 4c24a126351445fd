package ai.temper.app;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import java.nio.file.Path;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;

/** The JavaFX application: opens the home and shows the workbench shell. */
public final class TemperApp extends Application {
  private static volatile Path homeArg;
  private Workbench workbench;

  static int launchAndWait(Path home) {
    homeArg = home;
    try {
      Application.launch(TemperApp.class);
      return 0;
    } catch (TemperException e) {
      System.err.println("temper: " + e.getMessage());
      return 1;
    }
  }

  @Override
  public void start(Stage stage) {
    workbench = Workbench.open(Workbench.resolveHome(homeArg));
    stage.setTitle("Temper");
    stage.setScene(new Scene(new Label("Temper"), 1200, 800));
    stage.show();
  }

  @Override
  public void stop() {
    if (workbench != null) {
      workbench.close();
    }
  }
}
