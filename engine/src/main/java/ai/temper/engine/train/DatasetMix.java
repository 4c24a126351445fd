package ai.temper.engine.train;

import ai.temper.engine.train.ConfigField.BadValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * open-instruct's {@code dataset_mixer_list}: datasets (workbench names or JSONL paths), each
 * with an amount. As open-instruct reads it, an amount written with a decimal point is a
 * fraction of that dataset and a whole number is a count of examples.
 */
public record DatasetMix(List<Entry> entries) {

  /** One source and how much of it to take: {@code fraction} or {@code count}, never both. */
  public record Entry(String source, Double fraction, Long count) {
    @Override
    public String toString() {
      return source + "," + (count != null ? count.toString() : fraction.toString());
    }
  }

  public DatasetMix {
    entries = List.copyOf(entries);
  }

  public static DatasetMix of(String source, double fraction) {
    return new DatasetMix(List.of(new Entry(source, fraction, null)));
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The sources, comma-separated, for the runs table. */
  public String sources() {
    List<String> s = new ArrayList<>();
    for (Entry e : entries) {
      s.add(e.source());
    }
    return String.join(", ", s);
  }

  /**
   * Reads the open-instruct flat list ({@code [name, 1.0, other, 500]}) or a list of maps
   * ({@code - {name: x, fraction: 0.5}} / {@code - {path: y, count: 100}}).
   */
  static DatasetMix fromYaml(JsonNode v) throws BadValue {
    if (v.isTextual()) {
      return fromString(v.asText());
    }
    if (!v.isArray()) {
      throw new BadValue("expected a list like [name_or_path, 1.0, other, 500], got " + v);
    }
    List<Entry> out = new ArrayList<>();
    if (v.size() > 0 && v.get(0).isObject()) {
      for (JsonNode e : v) {
        if (!e.isObject()) {
          throw new BadValue("mixes maps and plain values: " + e);
        }
        String source = e.hasNonNull("name") ? e.get("name").asText()
            : e.hasNonNull("path") ? e.get("path").asText() : null;
        if (source == null || source.isBlank()) {
          throw new BadValue("an entry needs 'name' or 'path': " + e);
        }
        if (e.has("fraction") && e.has("count")) {
          throw new BadValue("'" + source + "' has both fraction and count");
        }
        if (e.has("count")) {
          out.add(entry(source, e.get("count").asText(), false));
        } else if (e.has("fraction")) {
          out.add(entry(source, e.get("fraction").asText(), true));
        } else {
          out.add(new Entry(source, 1.0, null));
        }
      }
      return new DatasetMix(out);
    }
    List<String> flat = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isValueNode()) {
        throw new BadValue("expected names and amounts, got " + e);
      }
      // a YAML float (1.0) is a fraction even though asText() may print it as "1.0"
      flat.add(e.isFloatingPointNumber() && !e.asText().contains(".")
          ? e.asText() + ".0" : e.asText());
    }
    return pairs(flat);
  }

  /** Reads {@code name,1.0,other,500} (commas or spaces); a lone name means all of it. */
  static DatasetMix fromString(String s) throws BadValue {
    String body = s.strip();
    if (body.startsWith("[") && body.endsWith("]")) {
      body = body.substring(1, body.length() - 1);
    }
    List<String> flat = new ArrayList<>();
    for (String part : body.split("[,\\s]+")) {
      String p = part.strip();
      if (p.length() >= 2 && (p.startsWith("\"") || p.startsWith("'"))) {
        p = p.substring(1, p.length() - 1);
      }
      if (!p.isEmpty()) {
        flat.add(p);
      }
    }
    return pairs(flat);
  }

  private static DatasetMix pairs(List<String> flat) throws BadValue {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < flat.size(); i++) {
      String source = flat.get(i);
      if (isAmount(source)) {
        throw new BadValue("expected a dataset name or path before the amount '" + source + "'");
      }
      if (i + 1 < flat.size() && isAmount(flat.get(i + 1))) {
        String amount = flat.get(++i);
        out.add(entry(source, amount, amount.contains(".") || amount.contains("e")));
      } else {
        out.add(new Entry(source, 1.0, null));
      }
    }
    return new DatasetMix(out);
  }

  private static boolean isAmount(String s) {
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Entry entry(String source, String amount, boolean fraction) throws BadValue {
    try {
      if (fraction) {
        double f = Double.parseDouble(amount);
        if (!(f > 0 && f <= 1)) {
          throw new BadValue("fraction of '" + source + "' must be in (0, 1], got " + amount);
        }
        return new Entry(source, f, null);
      }
      long n = Long.parseLong(amount);
      if (n <= 0) {
        throw new BadValue("count of '" + source + "' must be positive, got " + amount);
      }
      return new Entry(source, null, n);
    } catch (NumberFormatException e) {
      throw new BadValue("amount of '" + source + "' is not a number: " + amount);
    }
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    for (Entry e : entries) {
      parts.add(e.toString());
    }
    return String.join(",", parts);
  }

  /** The flat YAML list open-instruct writes. */
  public List<Object> toYaml() {
    List<Object> out = new ArrayList<>();
    for (Entry e : entries) {
      out.add(e.source());
      out.add(e.count() != null ? (Object) e.count() : (Object) e.fraction());
    }
    return out;
  }
}
