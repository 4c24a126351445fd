package ai.temper.engine.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(x, ensure_ascii=..., indent=...,
 * separators=..., sort_keys=...)} writes it (transformers' {@code tojson} passes
 * ensure_ascii=False).
 */
final class PyJson {
  private PyJson() {}

  static void write(StringBuilder sb, Object v, int indent, int level) {
    write(sb, v, indent, level, false, false, null);
  }

  static void write(StringBuilder sb, Object v, int indent, int level, boolean sortKeys,
      boolean ensureAscii, Object separators) {
    String itemSep = indent >= 0 ? "," : ", ";
    String keySep = ": ";
    List<Object> seps = separators instanceof Py.Tuple t ? t.items()
        : separators instanceof List<?> l ? new ArrayList<>(l) : null;
    if (seps != null && seps.size() == 2) {
      itemSep = Py.str(seps.get(0));
      keySep = Py.str(seps.get(1));
    }
    new PyJson.Writer(sb, indent, sortKeys, ensureAscii, itemSep, keySep).value(v, level);
  }

  private record Writer(StringBuilder sb, int indent, boolean sortKeys, boolean ensureAscii,
      String itemSep, String keySep) {
    void value(Object v, int level) {
      if (level > 200) {
        throw new Py.PyError("ValueError", "Circular reference detected");
      }
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Boolean b) {
        sb.append(b ? "true" : "false");
      } else if (v instanceof Integer || v instanceof Long || v instanceof Short
          || v instanceof java.math.BigInteger) {
        sb.append(v);
      } else if (v instanceof Number n) {
        double d = n.doubleValue();
        sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity"
            : "-Infinity") : Py.floatRepr(d));
      } else if (v instanceof Map<?, ?> m) {
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
        if (sortKeys) {
          entries.sort((a, b) -> Py.compare(a.getKey(), b.getKey()));
        }
        sb.append('{');
        boolean first = true;
        for (var e : entries) {
          if (!first) {
            sb.append(itemSep);
          }
          first = false;
          newline(level + 1);
          Object k = e.getKey();
          string(k instanceof String s ? s : k == null ? "null" : k instanceof Boolean b
              ? (b ? "true" : "false") : Py.str(k));
          sb.append(keySep);
          value(e.getValue(), level + 1);
        }
        newline(level);
        sb.append('}');
      } else if (v instanceof Iterable<?> || v instanceof Py.Tuple) {
        Iterable<?> it = v instanceof Py.Tuple t ? t.items() : (Iterable<?>) v;
        if (!it.iterator().hasNext()) {
          sb.append("[]");
          return;
        }
        sb.append('[');
        boolean first = true;
        for (Object o : it) {
          if (!first) {
            sb.append(itemSep);
          }
          first = false;
          newline(level + 1);
          value(o, level + 1);
        }
        newline(level);
        sb.append(']');
      } else if (v instanceof Object[] arr) {
        value(java.util.Arrays.asList(arr), level);
      } else if (v instanceof String s) {
        string(s);
      } else if (v instanceof Py.Undefined) {
        throw Py.typeError("Object of type Undefined is not JSON serializable");
      } else {
        throw Py.typeError("Object of type " + Py.typeName(v) + " is not JSON serializable");
      }
    }

    private void newline(int level) {
      if (indent >= 0) {
        sb.append('\n').append(" ".repeat(indent * level));
      }
    }

    private void string(String s) {
      PyJson.string(sb, s, ensureAscii);
    }
  }

  static void string(StringBuilder sb, String s) {
    string(sb, s, false);
  }

  static void string(StringBuilder sb, String s, boolean ensureAscii) {
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
          if (c < 0x20 || (ensureAscii && c > 0x7e)) {
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
