package ai.temper.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Starts the JavaFX workbench, or says in one line why it cannot. */
final class Gui {
  /** What to install when GTK 3 is missing (JavaFX's Linux windows are GTK 3 windows). */
  static final String GTK_HINT = "temper: the workbench GUI needs GTK 3, which is not "
      + "installed (Debian/Ubuntu: sudo apt-get install libgtk-3-0; Fedora: sudo dnf install "
      + "gtk3). The commands work without it: temper --help";

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
    if (os.contains("linux") && !headlessMonocle && !hasGtk3(LIBRARY_DIRS)) {
      System.err.println(GTK_HINT);
      return 2;
    }
    try {
      return TemperApp.launchAndWait(home);
    } catch (RuntimeException | LinkageError e) {
      if (mentionsGtk(e)) {
        System.err.println(GTK_HINT);
        return 2;
      }
      throw e;
    }
  }

  static final List<Path> LIBRARY_DIRS = List.of(Path.of("/usr/lib/x86_64-linux-gnu"),
      Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib"),
      Path.of("/lib/x86_64-linux-gnu"), Path.of("/lib64"), Path.of("/usr/local/lib"));

  /**
   * Whether libgtk-3.so.0 is in one of {@code dirs} or on LD_LIBRARY_PATH. When no library
   * folder exists at all (an unusual layout), it says yes and lets JavaFX decide.
   */
  static boolean hasGtk3(List<Path> dirs) {
    boolean anyDir = false;
    List<Path> all = new java.util.ArrayList<>(dirs);
    String ld = System.getenv("LD_LIBRARY_PATH");
    if (ld != null) {
      for (String d : ld.split(":")) {
        if (!d.isBlank()) {
          all.add(Path.of(d));
        }
      }
    }
    for (Path d : all) {
      if (Files.isDirectory(d)) {
        anyDir = true;
        if (Files.exists(d.resolve("libgtk-3.so.0"))) {
          return true;
        }
      }
    }
    return !anyDir;
  }

  private static boolean mentionsGtk(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("GTK")) {
        return true;
      }
    }
    return false;
  }
}
