package ai.temper.engine.data;

/** A source row that cannot be read as an example; the message says why (no line number). */
public final class MalformedRowException extends Exception {
  public MalformedRowException(String reason) {
    super(reason, null, false, false);
  }
}
