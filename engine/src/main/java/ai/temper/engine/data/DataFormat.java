package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The row formats an import understands ({@code --format}). {@link #AUTO} detects the format
 * from the first record; {@link #PARQUET} names the container (a Parquet file) and detects the
 * row format inside it. Gzip and Parquet containers are recognised by their magic bytes
 * whatever the format says.
 */
public enum DataFormat {
  AUTO(null),
  MESSAGES(DatasetKind.MESSAGES),
  PREFERENCE(DatasetKind.PREFERENCE),
  HH(DatasetKind.PREFERENCE),
  GSM8K(DatasetKind.MESSAGES),
  RLVR(DatasetKind.RLVR),
  TEXT(DatasetKind.TEXT),
  /** TRL prompt/completion rows, plain strings or message lists. */
  PROMPT_COMPLETION(DatasetKind.MESSAGES),
  /** TRL unpaired preference (KTO): prompt, completion, label; the label stays in meta. */
  KTO(DatasetKind.MESSAGES),
  PARQUET(null),
  /** A CSV file (header row); cells become fields, mapped with the importer's columns. */
  CSV(null);

  private final DatasetKind kind;

  DataFormat(DatasetKind kind) {
    this.kind = kind;
  }

  /** The kind of dataset this row format produces; null for AUTO and PARQUET. */
  public DatasetKind kind() {
    return kind;
  }

  /** True for the formats that name rows (not AUTO or PARQUET). */
  public boolean isRowFormat() {
    return kind != null;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static DataFormat of(String id) {
    for (DataFormat f : values()) {
      if (f.id().equalsIgnoreCase(id.replace('_', '-'))) {
        return f;
      }
    }
    throw new TemperException("Unknown format '" + id + "'; use one of "
        + Arrays.stream(values()).map(DataFormat::id).collect(Collectors.joining(", ")));
  }
}
