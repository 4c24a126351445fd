package ai.temper.engine.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Jinja template into tokens with jinja2's whitespace rules as transformers
 * configures them: {@code trim_blocks} (a newline right after a block or comment tag is
 * dropped), {@code lstrip_blocks} (spaces and tabs from the start of a line up to a block or
 * comment tag are dropped; {@code {%+} keeps them), and the explicit {@code -} markers, which
 * strip all whitespace on their side. {@code {% raw %}} bodies are data.
 */
final class JinjaLexer {
  enum Type { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

  record Tok(Type type, String text, int line) {
    boolean is(Type t, String s) {
      return type == t && text.equals(s);
    }

    boolean isName(String s) {
      return type == Type.NAME && text.equals(s);
    }

    boolean isOp(String s) {
      return type == Type.OP && text.equals(s);
    }
  }

  private static final String[] OPS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/",
      "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "=", ";"};

  private final String src;
  private final List<Tok> out = new ArrayList<>();
  private int pos;
  private int line = 1;

  private JinjaLexer(String src) {
    this.src = src;
  }

  static List<Tok> tokenize(String src) {
    JinjaLexer lx = new JinjaLexer(src);
    lx.run();
    return lx.out;
  }

  private void run() {
    boolean lineStarting = true;
    int n = src.length();
    while (pos < n) {
      int i = nextTag(pos);
      if (i < 0) {
        data(src.substring(pos));
        pos = n;
        break;
      }
      String text = src.substring(pos, i);
      char kind = src.charAt(i + 1);
      char marker = i + 2 < n ? src.charAt(i + 2) : 0;
      if (marker == '-') {
        text = text.stripTrailing();
      } else if (kind != '{' && marker != '+') {
        int lpos = text.lastIndexOf('\n') + 1;
        if ((lpos > 0 || lineStarting) && isBlank(text, lpos)) {
          text = text.substring(0, lpos);
        }
      }
      data(text);
      line += count(src, pos, i);
      pos = i + 2 + (marker == '-' || marker == '+' ? 1 : 0);
      if (kind == '#') {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
          throw new JinjaError("unterminated comment", line);
        }
        boolean dash = end > pos && src.charAt(end - 1) == '-';
        line += count(src, pos, end + 2);
        pos = end + 2;
        lineStarting = afterTagEnd(dash, true);
        continue;
      }
      boolean block = kind == '%';
      out.add(new Tok(block ? Type.BLOCK_BEGIN : Type.VAR_BEGIN, "", line));
      int first = out.size();
      boolean dash = tagBody(block ? "%}" : "}}");
      out.add(new Tok(block ? Type.BLOCK_END : Type.VAR_END, "", line));
      lineStarting = afterTagEnd(dash, block);
      if (block && out.size() == first + 2 && out.get(first).isName("raw")) {
        raw();
      }
    }
    out.add(new Tok(Type.EOF, "", line));
  }

  /** After a tag's end: '-' strips all following whitespace, trim_blocks one newline. */
  private boolean afterTagEnd(boolean dash, boolean trim) {
    if (dash) {
      int start = pos;
      while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
        pos++;
      }
      line += count(src, start, pos);
      return pos > start && src.charAt(pos - 1) == '\n';
    }
    if (trim && pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
      line++;
      return true;
    }
    if (trim && src.startsWith("\r\n", pos)) {
      pos += 2;
      line++;
      return true;
    }
    return false;
  }

  private void raw() {
    int search = pos;
    while (true) {
      int t = src.indexOf("{%", search);
      if (t < 0) {
        throw new JinjaError("missing endraw", line);
      }
      int k = t + 2;
      boolean dashLeft = k < src.length() && src.charAt(k) == '-';
      if (dashLeft || (k < src.length() && src.charAt(k) == '+')) {
        k++;
      }
      while (k < src.length() && Character.isWhitespace(src.charAt(k))) {
        k++;
      }
      if (src.startsWith("endraw", k)) {
        int end = src.indexOf("%}", k);
        String body = src.substring(pos, t);
        if (dashLeft) {
          body = body.stripTrailing();
        }
        // the closing tag of raw removes the raw block and its own tokens
        out.remove(out.size() - 1);
        out.remove(out.size() - 1);
        out.remove(out.size() - 1);
        data(body);
        boolean dash = src.charAt(end - 1) == '-';
        line += count(src, pos, end + 2);
        pos = end + 2;
        afterTagEnd(dash, true);
        return;
      }
      search = k;
    }
  }

  private int nextTag(int from) {
    int i = from;
    while (true) {
      i = src.indexOf('{', i);
      if (i < 0 || i + 1 >= src.length()) {
        return -1;
      }
      char c = src.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
      i++;
    }
  }

  private void data(String text) {
    if (!text.isEmpty()) {
      out.add(new Tok(Type.DATA, text, line));
    }
  }

  /** Tokens of a tag up to its end marker (outside brackets); true when it ends with '-'. */
  private boolean tagBody(String end) {
    int depth = 0;
    int n = src.length();
    while (true) {
      while (pos < n && Character.isWhitespace(src.charAt(pos))) {
        if (src.charAt(pos) == '\n') {
          line++;
        }
        pos++;
      }
      if (pos >= n) {
        throw new JinjaError("unexpected end of template, expected '" + end + "'", line);
      }
      if (depth == 0) {
        if (src.startsWith("-" + end, pos)) {
          pos += 3;
          return true;
        }
        if (src.startsWith("+" + end, pos)) {
          pos += 3;
          return false;
        }
        if (src.startsWith(end, pos)) {
          pos += 2;
          return false;
        }
      }
      char c = src.charAt(pos);
      if (Character.isLetter(c) || c == '_') {
        int s = pos;
        while (pos < n && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        out.add(new Tok(Type.NAME, src.substring(s, pos), line));
      } else if (Character.isDigit(c)) {
        number();
      } else if (c == '\'' || c == '"') {
        string(c);
      } else {
        String op = null;
        for (String o : OPS) {
          if (src.startsWith(o, pos)) {
            op = o;
            break;
          }
        }
        if (op == null) {
          throw new JinjaError("unexpected char '" + c + "'", line);
        }
        if ("([{".contains(op)) {
          depth++;
        } else if (")]}".contains(op)) {
          depth = Math.max(0, depth - 1);
        }
        pos += op.length();
        out.add(new Tok(Type.OP, op, line));
      }
    }
  }

  private void number() {
    int s = pos;
    int n = src.length();
    boolean isFloat = false;
    while (pos < n && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
      pos++;
    }
    if (pos + 1 < n && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
      isFloat = true;
      pos++;
      while (pos < n && Character.isDigit(src.charAt(pos))) {
        pos++;
      }
    }
    if (pos < n && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int save = pos;
      pos++;
      if (pos < n && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      if (pos < n && Character.isDigit(src.charAt(pos))) {
        isFloat = true;
        while (pos < n && Character.isDigit(src.charAt(pos))) {
          pos++;
        }
      } else {
        pos = save;
      }
    }
    out.add(new Tok(isFloat ? Type.FLOAT : Type.INT, src.substring(s, pos).replace("_", ""),
        line));
  }

  private void string(char q) {
    StringBuilder sb = new StringBuilder();
    int n = src.length();
    pos++;
    while (true) {
      if (pos >= n) {
        throw new JinjaError("unterminated string", line);
      }
      char c = src.charAt(pos++);
      if (c == q) {
        break;
      }
      if (c == '\n') {
        line++;
      }
      if (c != '\\' || pos >= n) {
        sb.append(c);
        continue;
      }
      char e = src.charAt(pos++);
      switch (e) {
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case '0' -> sb.append('\0');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case '\\', '\'', '"' -> sb.append(e);
        case '\n' -> line++;
        case 'x' -> {
          sb.append((char) Integer.parseInt(src.substring(pos, pos + 2), 16));
          pos += 2;
        }
        case 'u' -> {
          sb.append((char) Integer.parseInt(src.substring(pos, pos + 4), 16));
          pos += 4;
        }
        case 'U' -> {
          sb.appendCodePoint(Integer.parseInt(src.substring(pos, pos + 8), 16));
          pos += 8;
        }
        default -> sb.append('\\').append(e);
      }
    }
    out.add(new Tok(Type.STRING, sb.toString(), line));
  }

  private static boolean isBlank(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (s.charAt(i) != ' ' && s.charAt(i) != '\t') {
        return false;
      }
    }
    return true;
  }

  private static int count(String s, int from, int to) {
    int c = 0;
    for (int i = from; i < to && i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        c++;
      }
    }
    return c;
  }

  /** A syntax error in a template, with its line. */
  static final class JinjaError extends RuntimeException {
    final int line;

    JinjaError(String message, int line) {
      super(message);
      this.line = line;
    }
  }
}
