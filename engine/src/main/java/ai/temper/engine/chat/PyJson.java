package ai.temper.engine.chat;

import java.util.Map;

/** JSON text exactly as Python's json.dumps(x, ensure_ascii=False, indent=...) writes it. */
final class PyJson {
  private PyJson() {}

  static void write(StringBuilder sb, Object v, int indent, int level) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short
        || v instanceof java.math.BigInteger) {
      sb.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16) {
        sb.append((long) d).append(".0");
      } else {
        sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity"
            : "-Infinity") : Double.toString(d).replace("E", "e"));
      }
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (var e : m.entrySet()) {
        if (!first) {
          sb.append(indent >= 0 ? "," : ", ");
        }
        first = false;
        newline(sb, indent, level + 1);
        string(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent, level + 1);
      }
      newline(sb, indent, level);
      sb.append('}');
    } else if (v instanceof Iterable<?> it) {
      if (!it.iterator().hasNext()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          sb.append(indent >= 0 ? "," : ", ");
        }
        first = false;
        newline(sb, indent, level + 1);
        write(sb, o, indent, level + 1);
      }
      newline(sb, indent, level);
      sb.append(']');
    } else if (v instanceof Object[] arr) {
      write(sb, java.util.Arrays.asList(arr), indent, level);
    } else {
      string(sb, v.toString());
    }
  }

  private static void newline(StringBuilder sb, int indent, int level) {
    if (indent >= 0) {
      sb.append('\n').append(" ".repeat(indent * level));
    }
  }

  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
