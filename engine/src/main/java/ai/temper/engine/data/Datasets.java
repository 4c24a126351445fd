package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the dataset operations: names, lookups, reading examples. */
public final class Datasets {
  private Datasets() {}

  /** Refuses names a user could not type back on the command line. */
  public static void checkName(String name) {
    if (name == null || name.isBlank()) {
      throw new TemperException("A dataset needs a name (--name)");
    }
    if (name.length() > 200) {
      throw new TemperException("Dataset name too long (" + name.length()
          + " characters, at most 200)");
    }
    if (!name.equals(name.strip()) || name.chars().anyMatch(Character::isISOControl)) {
      // the name is shown escaped: a newline in it must not split the one error line
      throw new TemperException("Dataset name " + quoted(name)
          + " has surrounding spaces or control characters");
    }
  }

  /** {@code s} in double quotes with control characters escaped (\n, \u0000). */
  static String quoted(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints().limit(80).forEach(c -> {
      if (c == '\n') {
        sb.append("\\n");
      } else if (Character.isISOControl(c)) {
        sb.append(String.format("\\u%04x", c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.append(s.codePointCount(0, s.length()) > 80 ? "...\"" : "\"").toString();
  }

  /** The dataset called {@code name}, or an error that lists what exists. */
  public static DatasetInfo require(Database db, String name) {
    return db.datasets().find(name).orElseThrow(() -> {
      List<String> names = new ArrayList<>();
      for (DatasetInfo d : db.datasets().list()) {
        names.add(d.name());
      }
      return new TemperException("No dataset named '" + name + "'"
          + (names.isEmpty() ? " (there are none; import one with: temper datasets import)"
              : "; there are: " + String.join(", ", names.subList(0, Math.min(20,
                  names.size()))) + (names.size() > 20 ? ", ..." : "")));
    });
  }

  public static void requireFree(Database db, String name) {
    checkName(name);
    if (db.datasets().find(name).isPresent()) {
      throw new TemperException("A dataset named '" + name + "' exists already; delete it "
          + "first or choose another --name");
    }
  }

  public static DatasetKind kind(DatasetInfo d) {
    return DatasetKind.of(d.kind());
  }

  public static Example parse(DatasetInfo d, StoredExample e) {
    return Example.fromJson(kind(d), e.data());
  }

  /**
   * Every row of a data file in canonical JSON, normalised as an import would (any container
   * the importer reads: JSON Lines, JSON arrays, gzip, Parquet, CSV): what
   * {@code dataset_mixer_list} trains on when it names a file. The first row's fields decide
   * the row format; it must produce {@code kind}. Errors name the file and line or row.
   */
  public static java.util.List<com.fasterxml.jackson.databind.JsonNode> readFile(
      java.nio.file.Path file, DatasetKind kind) {
    return readFile(file, kind, null);
  }

  /**
   * {@link #readFile(java.nio.file.Path, DatasetKind)}, each row also carrying
   * {@code whereKey: "file:line"} (when not null) for messages about single examples.
   */
  public static java.util.List<com.fasterxml.jackson.databind.JsonNode> readFile(
      java.nio.file.Path file, DatasetKind kind, String whereKey) {
    java.util.List<com.fasterxml.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
    RowNormalizer normalizer = null;
    try (RowSource source = RowSource.open(file, DataFormat.AUTO)) {
      SourceRow row;
      while ((row = source.next()) != null) {
        String where = file + ":" + (source.unit().equals("row") ? "row " : "") + row.line();
        if (row.error() != null) {
          throw new TemperException(where + ": " + row.error());
        }
        if (normalizer == null) {
          DataFormat format = FormatDetector.detect(row.node());
          if (format == null) {
            throw new TemperException(where + ": cannot tell the row format from its fields "
                + FormatDetector.keys(row.node()));
          }
          if (format.kind() != kind) {
            throw new TemperException(file + " holds " + format.kind().id() + " rows ("
                + format.id() + "), but this algorithm trains on " + kind.id());
          }
          normalizer = RowNormalizer.of(format);
        }
        try {
          com.fasterxml.jackson.databind.node.ObjectNode o =
              normalizer.normalize(row.node()).toJson();
          if (whereKey != null) {
            o.put(whereKey, where);
          }
          out.add(o);
        } catch (MalformedRowException e) {
          throw new TemperException(where + ": " + e.getMessage());
        }
      }
    } catch (java.io.IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Checks, from its first row, that a data file holds rows of {@code kind} (what
   * {@link #readFile} would find), without reading the rest.
   */
  public static void checkFile(java.nio.file.Path file, DatasetKind kind) {
    try (RowSource source = RowSource.open(file, DataFormat.AUTO)) {
      SourceRow row = source.next();
      if (row == null) {
        throw new TemperException(file + ": no examples");
      }
      String where = file + ":" + (source.unit().equals("row") ? "row " : "") + row.line();
      if (row.error() != null) {
        throw new TemperException(where + ": " + row.error());
      }
      DataFormat format = FormatDetector.detect(row.node());
      if (format == null) {
        throw new TemperException(where + ": cannot tell the row format from its fields "
            + FormatDetector.keys(row.node()));
      }
      if (format.kind() != kind) {
        throw new TemperException(file + " holds " + format.kind().id() + " rows ("
            + format.id() + "), but this algorithm trains on " + kind.id());
      }
    } catch (java.io.IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
