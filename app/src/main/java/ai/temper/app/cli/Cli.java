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
