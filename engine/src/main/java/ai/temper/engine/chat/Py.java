package ai.temper.engine.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python value semantics for the chat-template interpreter: how values print ({@code str}
 * and {@code repr}), are true or false, compare, add and index, as in jinja2 on CPython.
 *
 * <p>Values are {@code null} (None), {@link #UNDEFINED}, Boolean, Long, Double, String,
 * {@link List} (a Python list), {@link Tuple}, {@link Map} (a dict, insertion ordered),
 * {@link Namespace}, {@link Callable} and the loop object.
 */
final class Py {
  private Py() {}

  /** jinja2's Undefined: prints as "", is false, iterates as empty; other use is an error. */
  static final class Undefined {
    final String name;

    Undefined(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return "";
    }
  }

  static final Undefined UNDEFINED = new Undefined(null);

  static Undefined undefined(String name) {
    return new Undefined(name);
  }

  static boolean isUndefined(Object v) {
    return v instanceof Undefined;
  }

  /** A Python tuple (prints with parentheses). */
  record Tuple(List<Object> items) {}

  /** {@code namespace(...)}: the one mutable object templates get. */
  static final class Namespace {
    final Map<String, Object> attrs = new LinkedHashMap<>();
  }

  /** A function or bound method a template may call. */
  interface Callable {
    Object call(List<Object> args, Map<String, Object> kwargs);
  }

  /** A Python exception raised by template code (TypeError, ValueError, ...). */
  static final class PyError extends RuntimeException {
    PyError(String type, String message) {
      super(type + ": " + message);
    }
  }

  static PyError typeError(String message) {
    return new PyError("TypeError", message);
  }

  static String typeName(Object v) {
    if (v == null) {
      return "NoneType";
    } else if (v instanceof Undefined) {
      return "Undefined";
    } else if (v instanceof Boolean) {
      return "bool";
    } else if (v instanceof Long) {
      return "int";
    } else if (v instanceof Double) {
      return "float";
    } else if (v instanceof String) {
      return "str";
    } else if (v instanceof List) {
      return "list";
    } else if (v instanceof Tuple) {
      return "tuple";
    } else if (v instanceof Map) {
      return "dict";
    } else if (v instanceof Namespace) {
      return "Namespace";
    }
    return "function";
  }

  // ---- conversion ------------------------------------------------------------------------

  static boolean truthy(Object v) {
    if (v == null || v instanceof Undefined) {
      return false;
    } else if (v instanceof Boolean b) {
      return b;
    } else if (v instanceof Long l) {
      return l != 0;
    } else if (v instanceof Double d) {
      return d != 0;
    } else if (v instanceof String s) {
      return !s.isEmpty();
    } else if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    } else if (v instanceof Tuple t) {
      return !t.items().isEmpty();
    } else if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  /** Python's str(v); Undefined is "". */
  static String str(Object v) {
    if (v instanceof String s) {
      return s;
    } else if (v instanceof Undefined) {
      return "";
    }
    return repr(v);
  }

  /** Python's repr(v). */
  static String repr(Object v) {
    StringBuilder sb = new StringBuilder();
    repr(sb, v, 0);
    return sb.toString();
  }

  private static void repr(StringBuilder sb, Object v, int depth) {
    if (depth > 100) {
      throw new PyError("RecursionError", "maximum recursion depth exceeded");
    }
    if (v == null) {
      sb.append("None");
    } else if (v instanceof Undefined) {
      sb.append("");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "True" : "False");
    } else if (v instanceof Long l) {
      sb.append(l);
    } else if (v instanceof Double d) {
      sb.append(floatRepr(d));
    } else if (v instanceof String s) {
      stringRepr(sb, s);
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        sb.append(i > 0 ? ", " : "");
        repr(sb, l.get(i), depth + 1);
      }
      sb.append(']');
    } else if (v instanceof Tuple t) {
      sb.append('(');
      for (int i = 0; i < t.items().size(); i++) {
        sb.append(i > 0 ? ", " : "");
        repr(sb, t.items().get(i), depth + 1);
      }
      sb.append(t.items().size() == 1 ? ",)" : ")");
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (var e : m.entrySet()) {
        sb.append(first ? "" : ", ");
        first = false;
        repr(sb, e.getKey(), depth + 1);
        sb.append(": ");
        repr(sb, e.getValue(), depth + 1);
      }
      sb.append('}');
    } else if (v instanceof Namespace) {
      sb.append("<Namespace>");
    } else {
      sb.append("<function>");
    }
  }

  /** CPython's float repr: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    } else if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    } else if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    String digits = bd.unscaledValue().abs().toString();
    int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
    String sign = d < 0 ? "-" : "";
    if (exp < -4 || exp >= 16) {
      String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
    String plain = bd.abs().toPlainString();
    return sign + (plain.contains(".") ? plain : plain + ".0");
  }

  static void stringRepr(StringBuilder sb, String s) {
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    sb.append(q);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == q || c == '\\') {
        sb.append('\\').append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append(q);
  }

  // ---- sequences ---------------------------------------------------------------------------

  /** The items {@code for} iterates: list items, dict keys, string characters. */
  static List<Object> iterate(Object v) {
    if (v == null) {
      throw typeError("'NoneType' object is not iterable");
    } else if (v instanceof Undefined) {
      return List.of();
    } else if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    } else if (v instanceof Tuple t) {
      return new ArrayList<>(t.items());
    } else if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(m.keySet());
    } else if (v instanceof String s) {
      List<Object> out = new ArrayList<>(s.length());
      s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
      return out;
    }
    throw typeError("'" + typeName(v) + "' object is not iterable");
  }

  static long length(Object v) {
    if (v instanceof String s) {
      return s.codePointCount(0, s.length());
    } else if (v instanceof Collection<?> c) {
      return c.size();
    } else if (v instanceof Tuple t) {
      return t.items().size();
    } else if (v instanceof Map<?, ?> m) {
      return m.size();
    } else if (v instanceof Undefined) {
      return 0;
    }
    throw typeError("object of type '" + typeName(v) + "' has no len()");
  }

  // ---- comparison and arithmetic -----------------------------------------------------------

  static boolean equal(Object a, Object b) {
    if (a instanceof Undefined || b instanceof Undefined) {
      return a instanceof Undefined && b instanceof Undefined;
    }
    if (isNumber(a) && isNumber(b)) {
      if (a instanceof Double || b instanceof Double) {
        return toDouble(a) == toDouble(b);
      }
      return toLong(a) == toLong(b);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!equal(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Tuple x && b instanceof Tuple y) {
      return equal(x.items(), y.items());
    }
    return Objects.equals(a, b);
  }

  static int compare(Object a, Object b) {
    if (isNumber(a) && isNumber(b)) {
      return (a instanceof Double || b instanceof Double) ? Double.compare(toDouble(a),
          toDouble(b)) : Long.compare(toLong(a), toLong(b));
    }
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        int c = compare(x.get(i), y.get(i));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(x.size(), y.size());
    }
    throw typeError("'<' not supported between instances of '" + typeName(a) + "' and '"
        + typeName(b) + "'");
  }

  static boolean contains(Object container, Object item) {
    if (container instanceof String s) {
      if (!(item instanceof String t)) {
        throw typeError("'in <string>' requires string as left operand, not " + typeName(item));
      }
      return s.contains(t);
    } else if (container instanceof Map<?, ?> m) {
      return m.containsKey(item);
    } else if (container instanceof Undefined) {
      return false;
    }
    for (Object o : iterate(container)) {
      if (equal(o, item)) {
        return true;
      }
    }
    return false;
  }

  static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double || v instanceof Boolean;
  }

  static long toLong(Object v) {
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    return ((Number) v).longValue();
  }

  static double toDouble(Object v) {
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    return ((Number) v).doubleValue();
  }

  static Object add(Object a, Object b) {
    checkDefined(a);
    checkDefined(b);
    if (isNumber(a) && isNumber(b)) {
      if (a instanceof Double || b instanceof Double) {
        return toDouble(a) + toDouble(b);
      }
      return Math.addExact(toLong(a), toLong(b));
    }
    if (a instanceof String x && b instanceof String y) {
      return x + y;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      List<Object> out = new ArrayList<>(x);
      out.addAll(y);
      return out;
    }
    if (a instanceof Tuple x && b instanceof Tuple y) {
      List<Object> out = new ArrayList<>(x.items());
      out.addAll(y.items());
      return new Tuple(out);
    }
    if (a instanceof String || a instanceof List || a instanceof Tuple) {
      throw typeError("can only concatenate " + typeName(a) + " (not \"" + typeName(b)
          + "\") to " + typeName(a));
    }
    throw typeError("unsupported operand type(s) for +: '" + typeName(a) + "' and '"
        + typeName(b) + "'");
  }

  static Object arithmetic(String op, Object a, Object b) {
    checkDefined(a);
    checkDefined(b);
    if (op.equals("*")) {
      if ((a instanceof String || a instanceof List) && b instanceof Long n) {
        return repeat(a, n);
      }
      if (a instanceof Long n && (b instanceof String || b instanceof List)) {
        return repeat(b, n);
      }
    }
    if (!isNumber(a) || !isNumber(b)) {
      throw typeError("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
          + typeName(b) + "'");
    }
    boolean floats = a instanceof Double || b instanceof Double;
    switch (op) {
      case "-":
        return floats ? (Object) (toDouble(a) - toDouble(b)) : (Object) Math.subtractExact(
            toLong(a), toLong(b));
      case "*":
        return floats ? (Object) (toDouble(a) * toDouble(b)) : (Object) Math.multiplyExact(
            toLong(a), toLong(b));
      case "/":
        if (toDouble(b) == 0) {
          throw new PyError("ZeroDivisionError", "division by zero");
        }
        return toDouble(a) / toDouble(b);
      case "//":
        if (toDouble(b) == 0) {
          throw new PyError("ZeroDivisionError", "integer division or modulo by zero");
        }
        return floats ? (Object) Math.floor(toDouble(a) / toDouble(b))
            : (Object) Math.floorDiv(toLong(a), toLong(b));
      case "%":
        if (toDouble(b) == 0) {
          throw new PyError("ZeroDivisionError", "integer division or modulo by zero");
        }
        if (floats) {
          double x = toDouble(a);
          double y = toDouble(b);
          double r = x % y;
          return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        }
        return Math.floorMod(toLong(a), toLong(b));
      case "**":
        if (!floats && toLong(b) >= 0) {
          long base = toLong(a);
          long r = 1;
          for (long i = 0; i < toLong(b); i++) {
            r = Math.multiplyExact(r, base);
          }
          return r;
        }
        return Math.pow(toDouble(a), toDouble(b));
      default:
        throw new IllegalStateException(op);
    }
  }

  private static Object repeat(Object seq, long n) {
    if (n * length(seq) > 1_000_000) {
      throw new PyError("MemoryError", "repetition too large for a chat template");
    }
    if (seq instanceof String s) {
      return n <= 0 ? "" : s.repeat((int) n);
    }
    List<Object> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.addAll((List<?>) seq);
    }
    return out;
  }

  static void checkDefined(Object v) {
    if (v instanceof Undefined u) {
      throw undefinedError(u);
    }
  }

  static PyError undefinedError(Undefined u) {
    return new PyError("UndefinedError", u.name == null ? "value is undefined"
        : u.name + " is undefined");
  }

  // ---- indexing ------------------------------------------------------------------------------

  /** {@code obj[key]} for lists, tuples, strings and dicts; Undefined when absent. */
  static Object item(Object obj, Object key) {
    if (obj instanceof Map<?, ?> m) {
      Object k = key instanceof Long || key instanceof Double ? key : key;
      if (m.containsKey(k)) {
        return m.get(k);
      }
      return UNDEFINED;
    }
    List<?> seq = obj instanceof List<?> l ? l : obj instanceof Tuple t ? t.items() : null;
    if ((seq != null || obj instanceof String) && (key instanceof Long || key instanceof Boolean)) {
      long i = toLong(key);
      int n = seq != null ? seq.size() : ((String) obj).length();
      if (i < 0) {
        i += n;
      }
      if (i < 0 || i >= n) {
        return UNDEFINED;
      }
      return seq != null ? seq.get((int) i) : String.valueOf(((String) obj).charAt((int) i));
    }
    return UNDEFINED;
  }

  /** {@code obj[start:stop:step]} with Python's clamping and negative steps. */
  static Object slice(Object obj, Object start, Object stop, Object step) {
    long st = step == null ? 1 : toLong(step);
    if (st == 0) {
      throw new PyError("ValueError", "slice step cannot be zero");
    }
    int n;
    List<?> seq = null;
    if (obj instanceof String s) {
      n = s.length();
    } else if (obj instanceof List<?> l) {
      seq = l;
      n = l.size();
    } else if (obj instanceof Tuple t) {
      seq = t.items();
      n = seq.size();
    } else if (obj instanceof Undefined u) {
      throw undefinedError(u);
    } else {
      throw typeError("'" + typeName(obj) + "' object is not subscriptable");
    }
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clamp(toLong(start), n, 0, n);
      hi = stop == null ? n : clamp(toLong(stop), n, 0, n);
    } else {
      lo = start == null ? n - 1 : clamp(toLong(start), n, -1, n - 1);
      hi = stop == null ? -1 : clamp(toLong(stop), n, -1, n - 1);
    }
    List<Object> out = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
      if (seq != null) {
        out.add(seq.get((int) i));
      } else {
        sb.append(((String) obj).charAt((int) i));
      }
    }
    if (seq == null) {
      return sb.toString();
    }
    return obj instanceof Tuple ? new Tuple(out) : out;
  }

  private static long clamp(long i, int n, long min, long max) {
    if (i < 0) {
      i += n;
    }
    return Math.max(min, Math.min(max, i));
  }
}
