package ai.temper.app;

import java.nio.file.Path;

/** Starts the JavaFX workbench, or says in one line why it cannot. */
final class Gui {
  private Gui() {}

  static int launch(Path home) {
    String os = System.getProperty("os.name", "").toLowerCase();
    boolean headlessMonocle = "Monocle".equals(System.getProperty("glass.platform"));
    if (os.contains("linux") && !headlessMonocle
        && (System.getenv("DISPLAY") == null || System.getenv("DISPLAY").isBlank())
        && (System.getenv("WAYLAND_DISPLAY") == null || System.getenv("WAYLAND_DISPLAY").isBlank())) {
      System.err.println("temper: no display found (DISPLAY is not set), so the workbench GUI "
          + "cannot open. Run it on a desktop or under xvfb-run, or use a command: temper --help");
      return 2;
    }
    return TemperApp.launchAndWait(home);
  }
}
