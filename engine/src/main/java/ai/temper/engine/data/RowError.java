package ai.temper.engine.data;

/**
 * A malformed source row: where it is and why it was refused. {@code line} is the 1-based line
 * of the file (for Parquet, the 1-based row number; {@code unit} says which).
 */
public record RowError(long line, String reason, String unit) {
  public RowError(long line, String reason) {
    this(line, reason, "line");
  }

  @Override
  public String toString() {
    return unit + " " + line + ": " + reason;
  }
}
