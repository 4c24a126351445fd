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
}
