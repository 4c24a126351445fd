package ai.temper.engine;

/**
 * An error the user can act on: its message names the file, line or field and the problem,
 * and the command line prints it as one line without a stack trace.
 */
public class TemperException extends RuntimeException {
  public TemperException(String message) {
    super(message);
  }

  public TemperException(String message, Throwable cause) {
    super(message, cause);
  }
}
