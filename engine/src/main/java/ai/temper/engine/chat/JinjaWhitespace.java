package ai.temper.engine.chat;

/**
 * Applies Jinja's explicit whitespace control to a template's source before Jinjava sees it:
 * {@code {{-}}/{@code -}}} (which Jinjava ignores), {@code {%-}/{@code -%}}, and comments
 * ({@code {# #}}, {@code {#- -#}}), which are removed with jinja2's rules (lstrip_blocks
 * before, trim_blocks after, and the dashes). Hugging Face templates rely on all of these.
 * Tags themselves are passed through without their dashes; string literals inside tags and
 * {@code {% raw %}} blocks are left alone.
 */
final class JinjaWhitespace {
  private JinjaWhitespace() {}

  static String apply(String src) {
    StringBuilder out = new StringBuilder(src.length());
    int dataStart = 0; // where the current run of template data begins in out
    int i = 0;
    int n = src.length();
    while (i < n) {
      char c = src.charAt(i);
      if (c != '{' || i + 1 >= n || "{%#".indexOf(src.charAt(i + 1)) < 0) {
        out.append(c);
        i++;
        continue;
      }
      char kind = src.charAt(i + 1);
      int innerStart = i + 2;
      boolean dashLeft = innerStart < n && src.charAt(innerStart) == '-';
      boolean plusLeft = innerStart < n && src.charAt(innerStart) == '+';
      if (dashLeft || plusLeft) {
        innerStart++;
      }
      String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      int closeAt = kind == '#' ? src.indexOf(close, innerStart) : findClose(src, innerStart, close);
      if (closeAt < 0) {
        out.append(src, i, n); // unterminated: let Jinjava report it
        break;
      }
      boolean dashRight = closeAt > innerStart && src.charAt(closeAt - 1) == '-';
      int innerEnd = dashRight ? closeAt - 1 : closeAt;
      if (dashLeft) {
        int k = out.length();
        while (k > dataStart && Character.isWhitespace(out.charAt(k - 1))) {
          k--;
        }
        out.setLength(k);
      }
      int after = closeAt + 2;
      if (kind == '#') {
        if (!dashLeft && !plusLeft) {
          stripLineIndent(out, dataStart); // lstrip_blocks
        }
        if (!dashRight && after < n && src.charAt(after) == '\n') {
          after++; // trim_blocks
        }
      } else {
        String inner = src.substring(innerStart, innerEnd);
        out.append('{').append(kind).append(inner).append(close);
        if (kind == '%' && inner.strip().equals("raw")) {
          int end = src.indexOf("endraw", after);
          int endTag = end < 0 ? -1 : src.lastIndexOf("{%", end);
          if (endTag >= 0) {
            out.append(src, after, endTag);
            after = endTag;
          }
        }
      }
      i = after;
      if (dashRight) {
        while (i < n && Character.isWhitespace(src.charAt(i))) {
          i++;
        }
      }
      dataStart = out.length();
    }
    return out.toString();
  }

  /** Removes spaces and tabs between the start of the current line and the end of out. */
  private static void stripLineIndent(StringBuilder out, int dataStart) {
    int k = out.length();
    while (k > dataStart && (out.charAt(k - 1) == ' ' || out.charAt(k - 1) == '\t')) {
      k--;
    }
    boolean lineStart = k == 0 || out.charAt(k - 1) == '\n';
    if (lineStart) {
      out.setLength(k);
    }
  }

  /** The index of {@code close} ending a tag that starts at {@code from}, skipping strings. */
  private static int findClose(String s, int from, String close) {
    char quote = 0;
    for (int i = from; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (s.startsWith(close, i)) {
        return i;
      }
    }
    return -1;
  }
}
