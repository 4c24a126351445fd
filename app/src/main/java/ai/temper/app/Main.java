package ai.temper.app;

import ai.temper.app.cli.Cli;

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
    if (args.length == 0 || (args.length == 2 && args[0].equals("--home"))) {
      System.exit(Gui.launch(args.length == 2 ? java.nio.file.Path.of(args[1]) : null));
    }
    System.exit(Cli.run(args));
  }
}
