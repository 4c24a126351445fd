package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Runs one command line: results to stdout, progress and errors to stderr. */
public final class Cli {
  private Cli() {}

  /** Runs {@code args} and returns the exit code. */
  public static int run(String... args) {
    TemperCommand root = new TemperCommand();
    CommandLine cl = new CommandLine(root);
    TrainCommand.addAlgorithms(cl.getSubcommands().get("train"));
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      Throwable cause = ex;
      if (cause instanceof TemperException || cause instanceof IllegalArgumentException) {
        err.println("temper: " + cause.getMessage());
      } else {
        err.println("temper: unexpected error: " + cause);
        if (System.getenv("TEMPER_DEBUG") != null) {
          cause.printStackTrace(err);
        } else {
          err.println("(set TEMPER_DEBUG=1 for the stack trace)");
        }
      }
      err.flush();
      return 1;
    });
    CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
    cl.setParameterExceptionHandler((ex, rest) -> {
      // an option whose setter refused the value (e.g. --device tpu): its own one-line message
      for (Throwable c = ex.getCause(); c != null; c = c.getCause()) {
        if (c instanceof TemperException) {
          ex.getCommandLine().getErr().println("temper: " + c.getMessage());
          return 2;
        }
      }
      return usage.handleParseException(ex, rest);
    });
    try {
      return cl.execute(args);
    } finally {
      Workbench wb = root.openedWorkbench();
      if (wb != null) {
        wb.close();
      }
    }
  }
}
