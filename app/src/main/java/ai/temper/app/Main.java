package ai.temper.app;

import ai.temper.app.cli.Cli;
import ai.temper.engine.Devices;
import ai.temper.engine.TemperException;

/**
 * The entry point of temper.jar. It must not extend javafx.application.Application, so the
 * jar starts from the class path; with no arguments it opens the GUI, else it runs a command.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // DJL "calls home" when its engines and tokenizers start (an EC2 metadata lookup, then a
    // telemetry URL) unless tracking is opted out: Temper sends nothing anywhere
    if (System.getenv("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
    ai.temper.engine.NativeMemory.configure(); // before any tensor: freed tensors go back
    // only global options (--home DIR, --device D, --precision P), or none: the GUI
    java.nio.file.Path home = null;
    boolean gui = args.length % 2 == 0;
    for (int i = 0; gui && i < args.length; i += 2) {
      switch (args[i]) {
        case "--home" -> home = java.nio.file.Path.of(args[i + 1]);
        case "--device" -> {
          try {
            Devices.select(args[i + 1]);
          } catch (TemperException e) {
            System.err.println("temper: " + e.getMessage());
            System.exit(2);
          }
        }
        case "--precision" -> {
          try {
            ai.temper.engine.Precision.select(args[i + 1]);
          } catch (TemperException e) {
            System.err.println("temper: " + e.getMessage());
            System.exit(2);
          }
        }
        default -> gui = false;
      }
    }
    if (gui) {
      System.exit(Gui.launch(home));
    }
    System.exit(Cli.run(args));
  }
}
