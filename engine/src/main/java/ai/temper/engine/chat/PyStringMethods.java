package ai.temper.engine.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python's str methods on template strings ({@code content.startswith('x')},
 * {@code .strip()}, {@code .split()}), which Hugging Face templates call.
 * {@link #call} answers {@link #NOT_HANDLED} for any other name.
 */
final class PyStringMethods {
  private PyStringMethods() {}

  static final Object NOT_HANDLED = new Object();

  static Object call(String s, String name, Object[] p) {
    switch (name) {
      case "strip":
        return p.length == 0 || p[0] == null ? s.strip() : rstrip(lstrip(s, str(p[0])), str(p[0]));
      case "lstrip":
        return p.length == 0 || p[0] == null ? s.stripLeading() : lstrip(s, str(p[0]));
      case "rstrip":
        return p.length == 0 || p[0] == null ? s.stripTrailing() : rstrip(s, str(p[0]));
      case "startswith":
        return anyOf(p[0], s::startsWith);
      case "endswith":
        return anyOf(p[0], s::endsWith);
      case "upper":
        return s.toUpperCase(Locale.ROOT);
      case "lower":
        return s.toLowerCase(Locale.ROOT);
      case "title":
        return title(s);
      case "capitalize":
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT)
            + s.substring(1).toLowerCase(Locale.ROOT);
      case "split":
        return split(s, p.length > 0 ? p[0] : null, p.length > 1 ? toInt(p[1]) : -1);
      case "splitlines":
        return new ArrayList<>(s.lines().toList());
      case "replace":
        if (p.length >= 3) {
          String out = s;
          int n = toInt(p[2]);
          for (int i = 0; i < n && out.contains(str(p[0])); i++) {
            out = out.replaceFirst(java.util.regex.Pattern.quote(str(p[0])),
                java.util.regex.Matcher.quoteReplacement(str(p[1])));
          }
          return out;
        }
        return s.replace(str(p[0]), str(p[1]));
      case "find":
        return s.indexOf(str(p[0]));
      case "rfind":
        return s.lastIndexOf(str(p[0]));
      case "count": {
        String sub = str(p[0]);
        if (sub.isEmpty()) {
          return s.length() + 1;
        }
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
          n++;
        }
        return n;
      }
      case "join": {
        List<String> parts = new ArrayList<>();
        if (p[0] instanceof Iterable<?> it) {
          it.forEach(o -> parts.add(String.valueOf(o)));
        }
        return String.join(s, parts);
      }
      case "isdigit":
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
      case "isalpha":
        return !s.isEmpty() && s.chars().allMatch(Character::isLetter);
      case "isspace":
        return !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
      case "islower":
        return s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
      case "isupper":
        return s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
      default:
        return NOT_HANDLED;
    }
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }

  private static int toInt(Object o) {
    return o instanceof Number n ? n.intValue() : Integer.parseInt(str(o));
  }

  private static boolean anyOf(Object arg, java.util.function.Predicate<String> test) {
    if (arg instanceof Iterable<?> it) {
      for (Object o : it) {
        if (test.test(str(o))) {
          return true;
        }
      }
      return false;
    }
    return test.test(str(arg));
  }

  private static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return s.substring(i);
  }

  private static String rstrip(String s, String chars) {
    int i = s.length();
    while (i > 0 && chars.indexOf(s.charAt(i - 1)) >= 0) {
      i--;
    }
    return s.substring(0, i);
  }

  private static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean prevLetter = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
      prevLetter = Character.isLetter(c);
    }
    return sb.toString();
  }

  private static List<String> split(String s, Object sep, int max) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      String[] parts = s.strip().isEmpty() ? new String[0]
          : s.strip().split("\\s+", max < 0 ? 0 : max + 1);
      out.addAll(List.of(parts));
      return out;
    }
    String d = str(sep);
    int from = 0;
    while (max < 0 || out.size() < max) {
      int at = s.indexOf(d, from);
      if (at < 0 || d.isEmpty()) {
        break;
      }
      out.add(s.substring(from, at));
      from = at + d.length();
    }
    out.add(s.substring(from));
    return out;
  }
}
