package ai.temper.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One field of a training config: its YAML name (open-instruct / TRL spelling), type, default,
 * the algorithms it applies to and a one-line explanation for the property sheet.
 */
public record ConfigField(String name, Type type, Object defaultValue, boolean nullable,
    List<String> choices, Set<TrainKind> kinds, String group, String doc) {

  /** The value types a field can hold. */
  public enum Type {
    INT, DOUBLE, BOOL, STRING, CHOICE, STRING_LIST, MIXER
  }

  /** Why a value does not fit a field; the caller adds where it came from. */
  public static final class BadValue extends Exception {
    public BadValue(String message) {
      super(message);
    }
  }

  public ConfigField {
    choices = choices == null ? List.of() : List.copyOf(choices);
    kinds = kinds == null || kinds.isEmpty() ? EnumSet.allOf(TrainKind.class) : Set.copyOf(kinds);
  }

  public boolean appliesTo(TrainKind kind) {
    return kinds.contains(kind);
  }

  /** Converts a parsed YAML value to this field's Java type. */
  public Object fromYaml(JsonNode v) throws BadValue {
    if (v == null || v.isNull()) {
      if (nullable) {
        return null;
      }
      throw new BadValue("must not be empty (" + describe() + ")");
    }
    switch (type) {
      case INT -> {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return checkedInt(v.asLong());
        }
        if (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble())
            && Math.abs(v.asDouble()) < Integer.MAX_VALUE) {
          return (int) v.asDouble();
        }
        if (v.isTextual()) {
          return fromString(v.asText());
        }
        throw new BadValue("expected an integer, got " + shown(v));
      }
      case DOUBLE -> {
        if (v.isNumber()) {
          return v.asDouble();
        }
        if (v.isTextual()) {
          return fromString(v.asText());
        }
        throw new BadValue("expected a number, got " + shown(v));
      }
      case BOOL -> {
        if (v.isBoolean()) {
          return v.asBoolean();
        }
        if (v.isTextual()) {
          return fromString(v.asText());
        }
        throw new BadValue("expected true or false, got " + shown(v));
      }
      case STRING, CHOICE -> {
        if (v.isValueNode() && !v.isBinary()) {
          return fromString(v.asText());
        }
        throw new BadValue("expected a single value, got " + shown(v));
      }
      case STRING_LIST -> {
        if (v.isArray()) {
          List<String> out = new ArrayList<>();
          for (JsonNode e : v) {
            if (!e.isValueNode()) {
              throw new BadValue("expected a list of names, got " + shown(v));
            }
            out.add(e.asText().strip());
          }
          return List.copyOf(out);
        }
        if (v.isTextual()) {
          return fromString(v.asText());
        }
        throw new BadValue("expected a list of names, got " + shown(v));
      }
      case MIXER -> {
        return DatasetMix.fromYaml(v);
      }
      default -> throw new IllegalStateException(type.toString());
    }
  }

  /** Parses a value typed on the command line ({@code --set name=value}) or in a text box. */
  public Object fromString(String raw) throws BadValue {
    String s = raw == null ? "" : raw.strip();
    if (nullable && (s.isEmpty() || s.equals("null") || s.equals("~"))) {
      return null;
    }
    switch (type) {
      case INT -> {
        try {
          return checkedInt(Long.parseLong(s.replace("_", "")));
        } catch (NumberFormatException e) {
          try {
            double d = Double.parseDouble(s);
            if (d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) {
              return (int) d;
            }
          } catch (NumberFormatException ignored) {
            // reported below
          }
          throw new BadValue("expected an integer, got '" + s + "'");
        }
      }
      case DOUBLE -> {
        try {
          double d = Double.parseDouble(s);
          if (!Double.isFinite(d)) {
            throw new BadValue("expected a finite number, got '" + s + "'");
          }
          return d;
        } catch (NumberFormatException e) {
          throw new BadValue("expected a number, got '" + s + "'");
        }
      }
      case BOOL -> {
        return switch (s.toLowerCase(Locale.ROOT)) {
          case "true", "yes", "on", "1" -> true;
          case "false", "no", "off", "0" -> false;
          default -> throw new BadValue("expected true or false, got '" + s + "'");
        };
      }
      case STRING -> {
        if (s.isEmpty() && !nullable) {
          throw new BadValue("must not be empty (" + describe() + ")");
        }
        return s;
      }
      case CHOICE -> {
        for (String c : choices) {
          if (c.equalsIgnoreCase(s)) {
            return c;
          }
        }
        throw new BadValue("expected one of " + String.join(", ", choices) + ", got '" + s + "'");
      }
      case STRING_LIST -> {
        String body = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        List<String> out = new ArrayList<>();
        for (String part : body.split(",")) {
          String p = part.strip();
          if (p.length() >= 2 && (p.startsWith("\"") || p.startsWith("'"))) {
            p = p.substring(1, p.length() - 1);
          }
          if (!p.isEmpty()) {
            out.add(p);
          }
        }
        return List.copyOf(out);
      }
      case MIXER -> {
        return DatasetMix.fromString(s);
      }
      default -> throw new IllegalStateException(type.toString());
    }
  }

  /** The value as a user would type it back (the property sheet, {@code --set}). */
  public String format(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof List<?> list) {
      List<String> parts = new ArrayList<>();
      for (Object o : list) {
        parts.add(String.valueOf(o));
      }
      return String.join(",", parts);
    }
    if (value instanceof DatasetMix mix) {
      return mix.toString();
    }
    return String.valueOf(value);
  }

  private Integer checkedInt(long v) throws BadValue {
    if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
      throw new BadValue("integer out of range: " + v);
    }
    return (int) v;
  }

  private String describe() {
    return switch (type) {
      case INT -> "an integer";
      case DOUBLE -> "a number";
      case BOOL -> "true or false";
      case STRING -> "a text";
      case CHOICE -> "one of " + String.join(", ", choices);
      case STRING_LIST -> "a list of names";
      case MIXER -> "a list of datasets with amounts";
    };
  }

  private static String shown(JsonNode v) {
    String s = v.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
